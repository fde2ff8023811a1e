//! WHATWG URL parsing and setters (`urlParse`, `urlHref`, `urlSet`,
//! `urlOrigin`, the `url` crate) and `application/x-www-form-urlencoded`
//! (`formParse`, `formSerialize`).

use rquickjs::function::Opt;
use rquickjs::{Array, Ctx, Exception, Value};

/// A parsed URL as `[href, afterScheme, beforeUsername, afterUsername,
/// beforePassword, afterPassword, beforeHost, afterHost, beforePort,
/// afterPort, beforePath, afterPath, afterQuery]`: one string and the
/// offsets of its components (a serialized URL is ASCII, so byte offsets
/// are string indices). The prelude slices a component out when it is
/// read: making all eleven strings up front cost more than the parse.
fn url_parts<'js>(ctx: &Ctx<'js>, u: &url::Url) -> rquickjs::Result<Array<'js>> {
    use url::Position as P;
    let arr = Array::new(ctx.clone())?;
    arr.set(0, u.as_str())?;
    let at = [
        P::AfterScheme,
        P::BeforeUsername,
        P::AfterUsername,
        P::BeforePassword,
        P::AfterPassword,
        P::BeforeHost,
        P::AfterHost,
        P::BeforePort,
        P::AfterPort,
        P::BeforePath,
        P::AfterPath,
        P::AfterQuery,
    ];
    for (i, p) in at.into_iter().enumerate() {
        // A user name without a password ("u@host"): Position::AfterPassword
        // is then after the "@"; the password is empty at the user's end.
        let p = match p {
            P::BeforePassword | P::AfterPassword if u.password().is_none() => P::AfterUsername,
            p => p,
        };
        arr.set(i + 1, u[..p].len() as u32)?;
    }
    Ok(arr)
}

/// `urlParse(input, base?)`: the URL's parts, or `null` if it does not parse.
pub(super) fn url_parse<'js>(
    ctx: Ctx<'js>,
    input: String,
    base: Opt<String>,
) -> rquickjs::Result<Value<'js>> {
    match parse_url(&input, base.0.as_deref()) {
        Some(u) => Ok(url_parts(&ctx, &u)?.into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

fn parse_url(input: &str, base: Option<&str>) -> Option<url::Url> {
    match base {
        Some(base) => url::Url::parse(base).and_then(|b| b.join(input)),
        None => url::Url::parse(input),
    }
    .ok()
}

/// `formParse(s)`: an `application/x-www-form-urlencoded` string as a flat
/// `[name, value, ...]` list (WHATWG's parser: `+` is a space, `%XX` a byte,
/// the bytes UTF-8 with replacement characters).
pub(super) fn form_parse(s: String) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(s.as_bytes()) {
        out.push(k.into_owned());
        out.push(v.into_owned());
    }
    out
}

/// `formSerialize([name, value, ...])`: the list serialized the way
/// `URLSearchParams.prototype.toString` does.
pub(super) fn form_serialize(flat: Vec<String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for pair in flat.chunks(2) {
        if let [k, v] = pair {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// `urlOrigin(href)`: the origin of a URL that parsed before.
pub(super) fn url_origin(href: String) -> String {
    url::Url::parse(&href)
        .map(|u| url::quirks::origin(&u))
        .unwrap_or_else(|_| "null".into())
}

/// `urlHref(input, base?)`: the parsed URL's href, or `null` if it does not
/// parse (for callers that need only that, like `new Request(url)`).
pub(super) fn url_href<'js>(
    ctx: Ctx<'js>,
    input: String,
    base: Opt<String>,
) -> rquickjs::Result<Value<'js>> {
    match parse_url(&input, base.0.as_deref()) {
        Some(u) => rquickjs::String::from_str(ctx, u.as_str()).map(|s| s.into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `urlSet(href, part, value)`: the parts after a WHATWG setter ran.
pub(super) fn url_set<'js>(
    ctx: Ctx<'js>,
    href: String,
    part: String,
    value: String,
) -> rquickjs::Result<Array<'js>> {
    use url::quirks as q;
    let mut u = url::Url::parse(&href)
        .map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URL: {e}")))?;
    match part.as_str() {
        "href" => q::set_href(&mut u, &value)
            .map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URL: {e}")))?,
        "protocol" => drop(q::set_protocol(&mut u, &value)),
        "username" => drop(q::set_username(&mut u, &value)),
        "password" => drop(q::set_password(&mut u, &value)),
        "host" => drop(q::set_host(&mut u, &value)),
        "hostname" => drop(q::set_hostname(&mut u, &value)),
        "port" => drop(q::set_port(&mut u, &value)),
        "pathname" => q::set_pathname(&mut u, &value),
        "search" => q::set_search(&mut u, &value),
        "hash" => q::set_hash(&mut u, &value),
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("unknown URL part {part}"),
            ));
        }
    };
    url_parts(&ctx, &u)
}
