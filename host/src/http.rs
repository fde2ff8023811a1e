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

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
