//! Plain HTTP request and response records passed to and from workers.

/// An HTTP request for a worker's `fetch` handler. The URL must be absolute.
///
/// ```
/// let req = isolet::Request::post("https://example.com/api", r#"{"a":1}"#)
///     .header("content-type", "application/json");
/// assert_eq!(req.method, "POST");
/// assert_eq!(req.header_value("Content-Type"), Some("application/json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header name/value pairs; names may repeat.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty for none).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with the given method and URL, no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `GET` request.
    ///
    /// ```
    /// let req = isolet::Request::get("https://example.com/");
    /// assert!(req.body.is_empty());
    /// ```
    pub fn get(url: impl Into<String>) -> Self {
        Request::new("GET", url)
    }

    /// A `POST` request with a body.
    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Request::new("POST", url).body(body)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A worker's HTTP response.
///
/// ```
/// let resp = isolet::Response { status: 200, headers: vec![("content-type".into(), "text/plain".into())], body: b"hi".to_vec() };
/// assert_eq!(resp.text(), "hi");
/// assert_eq!(resp.header("Content-Type"), Some("text/plain"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header name/value pairs (lower-case names, as the worker's `Headers` normalizes them).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as UTF-8 text (invalid sequences replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// ```
    /// let resp = isolet::Response { status: 200, headers: vec![], body: br#"{"ok":true}"#.to_vec() };
    /// assert_eq!(resp.json().unwrap()["ok"], true);
    /// ```
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A worker's response whose body may still be in the making: the status
/// and headers are final, the body arrives chunk by chunk as the worker
/// produces it (a `ReadableStream` body). From
/// [`Entrypoint::fetch_streaming`](crate::Entrypoint::fetch_streaming).
///
/// ```
/// # #[tokio::main] async fn main() -> isolet::Result<()> {
/// # let runtime = isolet::Runtime::builder().build().await?;
/// # let worker = runtime.load(isolet::WorkerCode::js("export default { fetch() { \
/// #     return new Response(ReadableStream.from(['a ', 'stream']).pipeThrough(new TextEncoderStream())) } }")).await?;
/// let mut resp = worker.entrypoint(None).fetch_streaming(isolet::Request::get("https://x/")).await?;
/// assert_eq!(resp.status, 200);
/// while let Some(chunk) = resp.body.next_chunk().await {
///     print!("{}", String::from_utf8_lossy(&chunk?));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StreamingResponse {
    /// The status code.
    pub status: u16,
    /// Header name/value pairs (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body, as it is produced.
    pub body: BodyStream,
    /// The client's end of the WebSocket the worker accepted (a status 101
    /// answer with `webSocket`); then the body is empty. The invocation
    /// lasts as long as the socket.
    pub web_socket: Option<crate::WebSocket>,
}

impl From<Response> for StreamingResponse {
    /// A buffered response as one whose body is already complete.
    fn from(r: Response) -> Self {
        StreamingResponse {
            status: r.status,
            headers: r.headers,
            body: BodyStream::whole(r.body),
            web_socket: None,
        }
    }
}

impl StreamingResponse {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Waits for the whole body: the buffered [`Response`]. A WebSocket
    /// the worker accepted is dropped (the worker sees the client go away).
    ///
    /// ```no_run
    /// # async fn demo(worker: isolet::Worker) -> isolet::Result<()> {
    /// let resp = worker.entrypoint(None).fetch_streaming(isolet::Request::get("https://x/")).await?;
    /// let whole = resp.into_response().await?;
    /// println!("{}", whole.text());
    /// # Ok(()) }
    /// ```
    pub async fn into_response(self) -> crate::Result<Response> {
        Ok(Response {
            status: self.status,
            headers: self.headers,
            body: self.body.collect().await?,
        })
    }
}

/// The body of a [`StreamingResponse`]. Each chunk is non-empty; an error
/// (the worker's stream failed, or a limit ended the invocation) ends it.
/// Dropping it before the end cancels the invocation (its instance is
/// discarded). Also a [`Stream`](tokio_stream::Stream) of chunks.
///
/// ```no_run
/// # async fn demo(mut body: isolet::BodyStream) -> isolet::Result<()> {
/// while let Some(chunk) = body.next_chunk().await {
///     let bytes = chunk?;
///     println!("{} bytes", bytes.len());
/// }
/// # Ok(()) }
/// ```
pub struct BodyStream {
    /// A whole body (a buffered answer), handed out as one chunk.
    whole: Option<Vec<u8>>,
    /// The chunks of a streamed body, from the task running the worker.
    chunks: Option<tokio::sync::mpsc::Receiver<crate::Result<Vec<u8>>>>,
    /// How that task's body ended: an error comes after the last chunk
    /// (sent apart, so a reader that is behind cannot hold it up).
    end: Option<tokio::sync::oneshot::Receiver<crate::Result<()>>>,
    /// A body from elsewhere (a request body being uploaded).
    other: Option<BoxedChunks>,
}

type BoxedChunks =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = crate::Result<Vec<u8>>> + Send>>;

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStream")
            .field("whole", &self.whole.as_ref().map(Vec::len))
            .field("streamed", &(self.chunks.is_some() || self.other.is_some()))
            .finish()
    }
}

impl BodyStream {
    pub(crate) fn whole(body: Vec<u8>) -> Self {
        BodyStream {
            whole: (!body.is_empty()).then_some(body),
            chunks: None,
            end: None,
            other: None,
        }
    }

    pub(crate) fn streamed(
        chunks: tokio::sync::mpsc::Receiver<crate::Result<Vec<u8>>>,
        end: tokio::sync::oneshot::Receiver<crate::Result<()>>,
    ) -> Self {
        BodyStream {
            whole: None,
            chunks: Some(chunks),
            end: Some(end),
            other: None,
        }
    }

    /// A body read from `stream` as the worker asks for it: a request body
    /// for [`Entrypoint::fetch_with_body_stream`](crate::Entrypoint::fetch_with_body_stream).
    /// Empty chunks are skipped; an error reaches the worker as a
    /// `TypeError` from its read.
    ///
    /// ```
    /// let chunks = vec![Ok(b"a".to_vec()), Ok(b"b".to_vec())];
    /// let body = isolet::BodyStream::from_stream(tokio_stream::iter(chunks));
    /// # drop(body);
    /// ```
    pub fn from_stream(
        stream: impl tokio_stream::Stream<Item = crate::Result<Vec<u8>>> + Send + 'static,
    ) -> Self {
        BodyStream {
            whole: None,
            chunks: None,
            end: None,
            other: Some(Box::pin(stream)),
        }
    }

    /// The body, when the worker gave it whole (nothing streams); else the
    /// stream, untouched.
    ///
    /// ```
    /// let body = isolet::BodyStream::from_stream(tokio_stream::iter(vec![Ok(b"hi".to_vec())]));
    /// assert!(body.into_whole().is_err());
    /// ```
    pub fn into_whole(self) -> std::result::Result<Vec<u8>, Self> {
        if self.chunks.is_none() && self.other.is_none() {
            Ok(self.whole.unwrap_or_default())
        } else {
            Err(self)
        }
    }

    /// The next chunk, or `None` at the end of the body.
    pub async fn next_chunk(&mut self) -> Option<crate::Result<Vec<u8>>> {
        std::future::poll_fn(|cx| {
            tokio_stream::Stream::poll_next(std::pin::Pin::new(&mut *self), cx)
        })
        .await
    }

    /// The rest of the body, all of it.
    ///
    /// ```no_run
    /// # async fn demo(body: isolet::BodyStream) -> isolet::Result<()> {
    /// let bytes = body.collect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn collect(mut self) -> crate::Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk().await {
            let chunk = chunk?;
            if out.is_empty() {
                out = chunk;
            } else {
                out.extend_from_slice(&chunk);
            }
        }
        Ok(out)
    }
}

impl tokio_stream::Stream for BodyStream {
    type Item = crate::Result<Vec<u8>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(body) = self.whole.take() {
            return std::task::Poll::Ready(Some(Ok(body)));
        }
        use std::future::Future;
        let this = &mut *self;
        loop {
            let next = match (&mut this.chunks, &mut this.other) {
                (Some(rx), _) => rx.poll_recv(cx),
                (None, Some(s)) => s.as_mut().poll_next(cx),
                (None, None) => std::task::Poll::Ready(None),
            };
            match next {
                std::task::Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                std::task::Poll::Ready(None) => {
                    let Some(end) = this.end.as_mut() else {
                        return std::task::Poll::Ready(None);
                    };
                    let outcome = std::task::ready!(std::pin::Pin::new(end).poll(cx));
                    this.end = None;
                    return std::task::Poll::Ready(outcome.ok().and_then(Result::err).map(Err));
                }
                other => return other,
            }
        }
    }
}
