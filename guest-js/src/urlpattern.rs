//! URLPattern (https://urlpattern.spec.whatwg.org/): the patterns are parsed
//! by the `urlpattern` crate (the spec's parser, as Deno uses it) into one
//! ECMAScript regular expression per URL component; js/urlpattern.js compiles
//! those with the engine's own `RegExp` and matches in JS, so a pattern's
//! custom groups (`:id(\\d+)`) have JavaScript's regex semantics.

use std::borrow::Cow;

use rquickjs::{Ctx, Exception};
use urlpattern::quirks::{self, EcmaRegexp, StringOrInit};
use urlpattern::{RegexSyntax, UrlPatternOptions};

/// The prelude's input (a JSON string or a URLPatternInit object) as the
/// crate takes it.
fn input(ctx: &Ctx<'_>, json: &str) -> rquickjs::Result<StringOrInit<'static>> {
    match serde_json::from_str::<StringOrInit<'_>>(json) {
        Ok(StringOrInit::String(s)) => Ok(StringOrInit::String(Cow::Owned(s.into_owned()))),
        Ok(StringOrInit::Init(init)) => Ok(StringOrInit::Init(init)),
        Err(e) => Err(Exception::throw_type(
            ctx,
            &format!("URLPattern: invalid input: {e}"),
        )),
    }
}

/// `new URLPattern(input, baseURL, {ignoreCase})`: each component's pattern
/// string, regular expression and group names, as JSON; a TypeError for an
/// invalid pattern.
pub fn parse(
    ctx: Ctx<'_>,
    input_json: String,
    base_url: Option<String>,
    ignore_case: bool,
) -> rquickjs::Result<String> {
    let init =
        quirks::process_construct_pattern_input(input(&ctx, &input_json)?, base_url.as_deref())
            .map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URLPattern: {e}")))?;
    // ECMAScript syntax: the expressions are compiled by the engine's
    // RegExp (which also validates them).
    let options = UrlPatternOptions {
        ignore_case,
        regex_syntax: RegexSyntax::EcmaScript,
    };
    let pattern = quirks::parse_pattern::<EcmaRegexp>(init, options)
        .map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URLPattern: {e}")))?;
    serde_json::to_string(&pattern).map_err(|e| Exception::throw_internal(&ctx, &e.to_string()))
}

/// The URL components a `test()`/`exec()` input stands for, as JSON, or
/// `None` when it is no URL (the match fails; not an error).
pub fn match_input(
    ctx: Ctx<'_>,
    input_json: String,
    base_url: Option<String>,
) -> rquickjs::Result<Option<String>> {
    let processed = quirks::process_match_input(input(&ctx, &input_json)?, base_url.as_deref())
        .map_err(|e| Exception::throw_type(&ctx, &format!("URLPattern: {e}")))?;
    let Some((input, _)) = processed else {
        return Ok(None);
    };
    match quirks::parse_match_input(input) {
        Some(components) => serde_json::to_string(&components)
            .map(Some)
            .map_err(|e| Exception::throw_internal(&ctx, &e.to_string())),
        None => Ok(None),
    }
}
