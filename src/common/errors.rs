//! An error in words, with its causes.

/// `error`'s message followed by each cause's that it does not already contain.
///
/// Why: the HTTP clients' own messages are terse ("error sending request for url"); the cause
/// that tells a user what to do ("connection refused", "invalid peer certificate") sits further
/// down the chain, and is often repeated in the next message up, hence the containment test.
/// Callers remove URLs (they may carry a token or a webhook's secret path) before calling.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Chain {
        text: &'static str,
        #[source]
        cause: Option<Box<Chain>>,
    }

    fn chain(texts: &[&'static str]) -> Chain {
        let (first, rest) = texts.split_first().unwrap();
        Chain {
            text: first,
            cause: (!rest.is_empty()).then(|| Box::new(chain(rest))),
        }
    }

    #[test]
    fn each_cause_is_said_once() {
        let error = chain(&[
            "error sending request",
            "client error (Connect)",
            "client error (Connect)",
            "Connection refused (os error 111)",
        ]);
        assert_eq!(
            with_causes(&error),
            "error sending request: client error (Connect): Connection refused (os error 111)"
        );
        assert_eq!(with_causes(&chain(&["alone"])), "alone");
    }
}
