//! How a worker's JSX compiles (`WorkerCode::jsx`): the options, as
//! wrangler's `jsx_factory`/`jsx_fragment` and TypeScript's `jsx` settings.

use serde::{Deserialize, Serialize};

/// How JSX in `.tsx`/`.jsx` modules is compiled.
///
/// The default is React's automatic runtime (`import { jsx } from
/// "react/jsx-runtime"`); set `importSource` for another library (Hono:
/// `"hono/jsx"`), or the classic runtime with a factory. A module's own
/// `/** @jsxImportSource x */` or `/** @jsx h */` pragma wins. The runtime's
/// module (`<importSource>/jsx-runtime`) must be one of the worker's modules.
///
/// ```
/// use isolet_code::{Jsx, WorkerCode};
/// let code = WorkerCode::new("app.tsx")
///     .module("app.tsx", isolet_code::ModuleSource::TypeScript("export default {}".into()))
///     .compatibility_date("2025-06-01")
///     .jsx(Jsx::automatic("hono/jsx"));
/// assert!(code.validate().is_ok());
/// let json = serde_json::to_string(&code.jsx).unwrap();
/// assert_eq!(json, r#"{"runtime":"automatic","importSource":"hono/jsx"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Jsx {
    /// `automatic` (the default) or `classic`.
    #[serde(default)]
    pub runtime: JsxMode,
    /// Automatic runtime: where `jsx-runtime` is imported from (default `react`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_source: Option<String>,
    /// Classic runtime: the element factory (default `React.createElement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory: Option<String>,
    /// Classic runtime: the fragment (default `React.Fragment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
}

/// Which JSX runtime a worker's JSX compiles to (see [`Jsx`]).
///
/// ```
/// use isolet_code::{Jsx, JsxMode};
/// assert_eq!(JsxMode::default(), JsxMode::Automatic);
/// assert_eq!(serde_json::to_string(&JsxMode::Classic).unwrap(), r#""classic""#);
/// let jsx: Jsx = serde_json::from_str(r#"{"runtime": "classic", "factory": "h"}"#).unwrap();
/// assert_eq!(jsx.runtime, JsxMode::Classic);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JsxMode {
    /// `jsx()` calls imported from `<importSource>/jsx-runtime`.
    #[default]
    Automatic,
    /// Calls of a factory in scope (`h(...)`, `React.createElement(...)`).
    Classic,
}

impl Jsx {
    /// The automatic runtime importing from `import_source`.
    ///
    /// ```
    /// let jsx = isolet_code::Jsx::automatic("preact");
    /// assert_eq!(jsx.import_source.as_deref(), Some("preact"));
    /// ```
    pub fn automatic(import_source: impl Into<String>) -> Self {
        Jsx {
            runtime: JsxMode::Automatic,
            import_source: Some(import_source.into()),
            ..Jsx::default()
        }
    }

    /// The classic runtime with this factory and fragment.
    ///
    /// ```
    /// let jsx = isolet_code::Jsx::classic("h", "Fragment");
    /// assert_eq!(jsx.runtime, isolet_code::JsxMode::Classic);
    /// ```
    pub fn classic(factory: impl Into<String>, fragment: impl Into<String>) -> Self {
        Jsx {
            runtime: JsxMode::Classic,
            import_source: None,
            factory: Some(factory.into()),
            fragment: Some(fragment.into()),
        }
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let dotted = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|part| {
                    !part.is_empty()
                        && !part.starts_with(|c: char| c.is_ascii_digit())
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                })
        };
        match self.runtime {
            JsxMode::Automatic => {
                if self.factory.is_some() || self.fragment.is_some() {
                    problems.push(
                        "`jsx.factory` and `jsx.fragment` apply to the classic runtime; set `jsx.runtime` to \"classic\""
                            .to_string(),
                    );
                }
                if let Some(source) = &self.import_source
                    && (source.is_empty() || source.chars().any(|c| c.is_control() || c == '"'))
                {
                    problems.push(format!(
                        "`jsx.importSource` \"{source}\" is not a module specifier"
                    ));
                }
            }
            JsxMode::Classic => {
                if self.import_source.is_some() {
                    problems.push(
                        "`jsx.importSource` applies to the automatic runtime, not \"classic\""
                            .to_string(),
                    );
                }
                for (what, name) in [("factory", &self.factory), ("fragment", &self.fragment)] {
                    if let Some(name) = name
                        && !dotted(name)
                    {
                        problems.push(format!(
                            "`jsx.{what}` \"{name}\" is not an identifier or a dotted name"
                        ));
                    }
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsx_options_are_checked() {
        assert!(Jsx::default().problems().is_empty());
        assert!(Jsx::classic("h", "Fragment").problems().is_empty());
        assert_eq!(Jsx::classic("h()", "F").problems().len(), 1);
        let mixed = Jsx {
            factory: Some("h".into()),
            ..Jsx::automatic("preact")
        };
        assert_eq!(mixed.problems().len(), 1);
    }
}
