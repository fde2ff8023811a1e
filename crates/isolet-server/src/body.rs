//! Request bodies: read whole within a cap, or streamed to a worker, and
//! timed out when the client goes quiet or too slow.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Frame, Incoming};
use serde_json::json;
use tokio_stream::StreamExt as _;

use super::State;
use super::config::BodyPace;
use super::respond::{BodyError, HttpResponse, error, json_response};
use isolet::Error;

/// The body length a request's `content-length` declares.
pub(super) fn declared_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

pub(super) async fn read_body(
    state: &State,
    body: Incoming,
    headers: &http::HeaderMap,
) -> Result<Bytes, HttpResponse> {
    let max = state.config.max_body_bytes;
    read_body_within(state, body, headers, max, "max_body_bytes").await
}

/// [`read_body`] with a cap of `max` bytes, the config key `key`'s.
pub(super) async fn read_body_within(
    state: &State,
    body: Incoming,
    headers: &http::HeaderMap,
    max: usize,
    key: &str,
) -> Result<Bytes, HttpResponse> {
    if declared_length(headers).is_some_and(|n| n > max) {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over {max} bytes ({key})"),
        ));
    }
    let body = IdleBody::new(body, state.config.body_pace());
    match Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over {max} bytes ({key})"),
            ))
        }
        Err(e) if e.downcast_ref::<BodyReadTimeout>().is_some() => {
            Err(body_timed_out(e.to_string()))
        }
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("reading the request body failed: {e}"),
        )),
    }
}

/// Reads a JSON body; a body that does not parse is a 400 naming the problem.
pub(super) async fn read_json<T: serde::de::DeserializeOwned>(
    state: &State,
    req: http::Request<Incoming>,
    error_title: &str,
    what: &str,
) -> Result<T, HttpResponse> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(state, body, &parts.headers).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": error_title, "problems": [format!("{what}: {e}")]}),
        )
    })
}

/// Request bodies up to this size (with a `content-length`) are read
/// before the worker starts; larger and chunked ones stream to it.
pub(super) const STREAM_REQUEST_BODIES_OVER: usize = 64 * 1024;

/// An incoming body as the worker reads it, at most `max` bytes: past that
/// the worker's read fails (the response may already be under way).
pub(super) fn incoming_stream(body: Incoming, max: usize, pace: BodyPace) -> isolet::BodyStream {
    let mut seen = 0usize;
    let body = IdleBody::new(body, pace);
    let frames = http_body_util::BodyStream::new(body).filter_map(move |frame| match frame {
        Ok(frame) => {
            let data = frame.into_data().ok()?;
            seen += data.len();
            if seen > max {
                return Some(Err(Error::InvalidRequest(format!(
                    "request body over {max} bytes"
                ))));
            }
            Some(Ok(data.to_vec()))
        }
        Err(e) => Some(Err(Error::InvalidRequest(format!(
            "reading the request body failed: {e}"
        )))),
    });
    isolet::BodyStream::from_stream(frames)
}

/// How many JSON values `text` holds, at most `most + 1` (counting stops
/// there): one, plus one per `,`, `[` and `{` outside strings. Each array
/// element and object member but the first of its container follows a
/// comma, and each container opens once, so this never counts fewer than
/// the values a parser would build (it may count a few more). A cheap
/// bound, taken before anything is built.
pub(super) fn json_values(text: &[u8], most: usize) -> usize {
    let mut count = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => {
                count += 1;
                if count > most {
                    return count;
                }
            }
            _ => {}
        }
    }
    count
}

/// A request body that fails with [`BodyReadTimeout`] when the client
/// sends nothing for `pace.idle` while the server waits for it, or falls
/// behind `pace.min_bytes_per_sec` on average once `pace.grace` of waiting
/// has passed (a body of `n` bytes may keep the server waiting
/// `grace + n / rate` in all). Both clocks run only while a read is
/// pending, so a worker that reads late is not cut off for the client's
/// sake; a client that trickles a byte now and then (never idle for
/// `pace.idle`) is.
pub(super) struct IdleBody<B> {
    inner: B,
    pace: BodyPace,
    /// Bytes received so far.
    received: u64,
    /// Time spent waiting for the client, over the reads that ended.
    waited: Duration,
    /// The pending read: when it began, its timer, and whether the timer
    /// is the rate's deadline (else the idle timeout).
    waiting: Option<Waiting>,
}

struct Waiting {
    since: tokio::time::Instant,
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    rate: bool,
}

impl<B> IdleBody<B> {
    pub(super) fn new(inner: B, pace: BodyPace) -> Self {
        IdleBody {
            inner,
            pace,
            received: 0,
            waited: Duration::ZERO,
            waiting: None,
        }
    }

    /// How much longer the client may keep the server waiting before its
    /// body is behind the minimum rate (`None`: no minimum).
    fn rate_allowance(&self) -> Option<Duration> {
        let rate = self.pace.min_bytes_per_sec;
        if rate == 0 {
            return None;
        }
        let earned = Duration::from_secs_f64(self.received as f64 / rate as f64);
        Some(
            self.pace
                .grace
                .saturating_add(earned)
                .saturating_sub(self.waited),
        )
    }

    fn timed_out(&self, rate: bool) -> BodyReadTimeout {
        BodyReadTimeout(if rate {
            format!(
                "the request body arrived slower than {} bytes/s ({} bytes in {} ms of waiting; min_body_bytes_per_sec)",
                self.pace.min_bytes_per_sec,
                self.received,
                self.waited.as_millis()
            )
        } else {
            format!(
                "the client sent no request body data for {} ms (body_read_timeout_ms)",
                self.pace.idle.as_millis()
            )
        })
    }
}

/// The error of an [`IdleBody`] whose client went quiet or too slow.
#[derive(Debug)]
struct BodyReadTimeout(String);

impl std::fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BodyReadTimeout {}

impl<B> hyper::body::Body for IdleBody<B>
where
    B: hyper::body::Body + Unpin,
    B::Error: Into<BodyError>,
{
    type Data = B::Data;
    type Error = BodyError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        use bytes::Buf as _;
        use std::future::Future as _;
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                if let Some(w) = this.waiting.take() {
                    this.waited = this.waited.saturating_add(w.since.elapsed());
                }
                if let Some(Ok(f)) = &frame
                    && let Some(data) = f.data_ref()
                {
                    this.received = this.received.saturating_add(data.remaining() as u64);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                if this.waiting.is_none() {
                    let (wait, rate) = match this.rate_allowance() {
                        Some(left) if left < this.pace.idle => (left, true),
                        _ => (this.pace.idle, false),
                    };
                    this.waiting = Some(Waiting {
                        since: tokio::time::Instant::now(),
                        timer: Box::pin(tokio::time::sleep(wait)),
                        rate,
                    });
                }
                let Some(w) = this.waiting.as_mut() else {
                    return Poll::Pending;
                };
                match w.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let rate = w.rate;
                        if let Some(w) = this.waiting.take() {
                            this.waited = this.waited.saturating_add(w.since.elapsed());
                        }
                        Poll::Ready(Some(Err(Box::new(this.timed_out(rate)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// The 408 for a request whose body stopped arriving; the connection
/// closes after it.
fn body_timed_out(why: String) -> HttpResponse {
    let mut r = error(StatusCode::REQUEST_TIMEOUT, why);
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    /// Review 2, item 1: the cheap count of an RPC body's JSON values
    /// never counts fewer than a parser builds, skips strings (escaped
    /// quotes included) and stops past the most.
    #[test]
    fn json_values_are_counted_before_parsing() {
        assert_eq!(json_values(b"", 10), 1);
        assert_eq!(json_values(b"[]", 10), 2);
        assert_eq!(json_values(b"[1,2,3]", 10), 4);
        assert_eq!(json_values(br#"[{"a":1,"b":[2,3]}]"#, 10), 6);
        assert_eq!(json_values(b"[\"a,[{\", \"\\\",[{\"]", 10), 3);
        let many = format!("[{}0]", "0,".repeat(1_000_000));
        assert_eq!(json_values(many.as_bytes(), 100), 101);
        let texts: [&[u8]; 3] = [b"[1,2,3]", br#"{"a":[1,{"b":2}],"c":"x"}"#, b"[[[]],[]]"];
        for text in texts {
            let built = serde_json::from_slice::<Json>(text).unwrap();
            fn values(v: &Json) -> usize {
                1 + match v {
                    Json::Array(a) => a.iter().map(values).sum(),
                    Json::Object(o) => o.values().map(values).sum(),
                    _ => 0,
                }
            }
            assert!(json_values(text, usize::MAX) >= values(&built), "{text:?}");
        }
    }
}
