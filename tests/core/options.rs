//! Client and call options: every rule and message as they stand, pinned case by case against
//! tests/core/options.golden (one line per case: the input, then the parsed options or the
//! error). `BLESS=1 cargo test --test core options` rewrites the file after a deliberate change.

use free_router::core::json::from_str;
use free_router::core::options::{CallOptions, ClientOptions};

/// One input per line: `client <json>` or `call <json>`.
const CASES: &str = r#"client "nope"
client 5
client null
client []
client {}
client {"providers": null}
client {"providers": []}
client {"providers": {"id": "openrouter"}}
client {"providers": "openrouter"}
client {"providers": [5]}
client {"providers": [null]}
client {"providers": [[]]}
client {"providers": [{}]}
client {"providers": [{"id": ""}]}
client {"providers": [{"id": "   "}]}
client {"providers": [{"id": 5}]}
client {"providers": [{"id": "openrouter"}]}
client {"providers": [{"id": "openrouter", "apiKey": "sk-or-1"}, {"id": "groq", "apiKey": "g"}, {"id": "gemini"}, {"id": "mistral"}, {"id": "cerebras"}]}
client {"providers": [{"id": "openrouter"}, {"id": "openrouter"}]}
client {"providers": [{"id": "groq"}, {"id": "x", "baseUrl": "https://h/v1"}, {"id": "x", "baseUrl": "https://h/v1"}]}
client {"providers": [{"id": "lab"}]}
client {"providers": [{"id": "lab", "kind": "openai-compatible"}]}
client {"providers": [{"id": "lab", "kind": "magic"}]}
client {"providers": [{"id": "lab", "kind": 3}]}
client {"providers": [{"id": "lab", "kind": "groq"}]}
client {"providers": [{"id": "lab", "baseUrl": 5}]}
client {"providers": [{"id": "lab", "kind": "openai-compatible", "baseUrl": "  http://127.0.0.1:11434/v1//  ", "models": ["llama3.2", "b"]}]}
client {"providers": [{"id": "x", "baseUrl": "ftp://h"}]}
client {"providers": [{"id": "x", "baseUrl": ""}]}
client {"providers": [{"id": "x", "baseUrl": "https://"}]}
client {"providers": [{"id": "x", "baseUrl": "https://u@h/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://user:pw@host/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://example.com/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://127.0.0.1.evil.com/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://localhost:1234/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://[::1]:8080/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://[::1]x/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://[]/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://[zz]/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "http://app.localhost/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://HOST.Example:443/v1?x#y"}]}
client {"providers": [{"id": "x", "baseUrl": "https://host:65536/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://host:99999999/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://host:8a/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://ho st/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://hôst.example/v1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://host:/v1"}]}
client {"providers": [{"id": "openrouter", "apiKey": 5}]}
client {"providers": [{"id": "openrouter", "apiKey": "sk or"}]}
client {"providers": [{"id": "openrouter", "apiKey": "sk\u200bor"}]}
client {"providers": [{"id": "openrouter", "apiKey": "sk\u0001or"}]}
client {"providers": [{"id": "openrouter", "apiKey": "  sk-é  "}]}
client {"providers": [{"id": "openrouter", "apiKey": "   "}]}
client {"providers": [{"id": "openrouter", "models": "a"}]}
client {"providers": [{"id": "openrouter", "models": ["a", ""]}]}
client {"providers": [{"id": "openrouter", "models": ["a", 5]}]}
client {"providers": [{"id": "openrouter", "models": []}]}
client {"providers": [{"id": "openrouter", "models": null}]}
client {"providers": [{"id": "openrouter", "free": 1}]}
client {"providers": [{"id": "openrouter", "free": false}]}
client {"providers": [{"id": "x", "baseUrl": "https://h", "promptPrice": 1.5}]}
client {"providers": [{"id": "x", "baseUrl": "https://h", "completionPrice": 0.25, "free": true}]}
client {"providers": [{"id": "x", "baseUrl": "https://h", "promptPrice": -1}]}
client {"providers": [{"id": "x", "baseUrl": "https://h", "promptPrice": "1"}]}
client {"providers": [{"id": "x", "baseUrl": "https://h", "completionPrice": 1e300}]}
client {"providers": [{"id": "openrouter", "limits": 5}]}
client {"providers": [{"id": "openrouter", "limits": null}]}
client {"providers": [{"id": "openrouter", "limits": []}]}
client {"providers": [{"id": "openrouter", "limits": {"rpm": 20, "rpd": 50, "tpm": 1000}}]}
client {"providers": [{"id": "openrouter", "limits": {"requests": 5, "perMs": 1000}}]}
client {"providers": [{"id": "openrouter", "limits": {"requests": 5}}]}
client {"providers": [{"id": "openrouter", "limits": {"perMs": 5}}]}
client {"providers": [{"id": "openrouter", "limits": {"requests": 0, "perMs": 5}}]}
client {"providers": [{"id": "openrouter", "limits": {"rpm": -1}}]}
client {"providers": [{"id": "openrouter", "limits": {"rpm": 1.5}}]}
client {"providers": [{"id": "openrouter", "limits": {"rpm": 1e16}}]}
client {"providers": [{"id": "openrouter", "limits": {"rpm": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}]}
client {"providers": [{"id": "openrouter", "limits": {"rph": 5}}]}
client {"providers": [{"id": "openrouter", "limits": {"__unserializable": "getter threw"}}]}
client {"providers": [{"id": "openrouter", "nmae": "x"}]}
client {"providers": [{"id": "openrouter", "name": "x"}]}
client {"providers": [{"id": "openrouter", "__unserializable": 5}]}
client {"__unserializable": "boom"}
client {"providers": [{"id": "openrouter"}], "stratgy": "random"}
client {"providers": [{"id": "openrouter"}], "strategy": "best"}
client {"providers": [{"id": "openrouter"}], "strategy": 5}
client {"providers": [{"id": "openrouter"}], "strategy": "seeded", "seed": 42}
client {"providers": [{"id": "openrouter"}], "seed": -1}
client {"providers": [{"id": "openrouter"}], "budget": 5}
client {"providers": [{"id": "openrouter"}], "budget": null}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": -1}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": "1"}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 2.5, "period": "day"}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 1, "period": "month"}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 1, "period": "total"}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 1, "period": "week"}}
client {"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 1, "period": 7}}
client {"providers": [{"id": "openrouter"}], "budget": {"max": 1}}
client {"providers": [{"id": "openrouter"}], "maxAttempts": "3"}
client {"providers": [{"id": "openrouter"}], "maxAttempts": 0}
client {"providers": [{"id": "openrouter"}], "maxAttempts": 51}
client {"providers": [{"id": "openrouter"}], "maxAttempts": 50, "retryAfterCapMs": 5, "catalogTtlMs": 7, "timeoutMs": 9, "attemptTimeoutMs": 11}
client {"providers": [{"id": "openrouter"}], "attemptTimeoutMs": 0}
client {"providers": [{"id": "openrouter"}], "timeoutMs": 0}
client {"providers": [{"id": "openrouter"}], "timeoutMs": true}
client {"providers": [{"id": "openrouter"}], "storage": "memory"}
client {"providers": [{"id": "openrouter"}], "storage": "local"}
client {"providers": [{"id": "openrouter"}], "storage": "disk"}
client {"providers": [{"id": "openrouter"}], "storage": {}}
client {"providers": [{"id": "openrouter"}], "app": 5}
client {"providers": [{"id": "openrouter"}], "app": {"url": "https://a.example", "title": "A"}}
client {"providers": [{"id": "openrouter"}], "app": {"title": "bad\nvalue"}}
client {"providers": [{"id": "openrouter"}], "app": {"url": "https://é.example"}}
client {"providers": [{"id": "openrouter"}], "app": {"url": 5}}
client {"providers": [{"id": "openrouter"}], "app": {"name": "x"}}
client {"providers": [{"id": "openrouter"}], "sticky": "auto"}
client {"providers": [{"id": "openrouter"}], "sticky": false}
client {"providers": [{"id": "openrouter"}], "sticky": true}
client {"providers": [{"id": "openrouter"}], "sticky": "always"}
client {"providers": [{"id": "openrouter"}], "sticky": 1}
client {"providers": [{"id": "openrouter"}], "fetch": null, "onEvent": null, "dangerouslyAllowBrowser": true, "debug": true}
call null
call 7
call "x"
call []
call {}
call {"bogus": 1}
call {"__unserializable": "proxy trap"}
call {"headers": {"X-A": "1"}}
call {"headers": null}
call {"strategy": "x"}
call {"strategy": "fastest"}
call {"waitForQuota": true}
call {"waitForQuota": false}
call {"waitForQuota": 1500.7}
call {"waitForQuota": -1}
call {"waitForQuota": "soon"}
call {"maxAttempts": 0}
call {"maxAttempts": 51}
call {"maxAttempts": 3}
call {"maxAttempts": 2.5}
call {"timeoutMs": 0}
call {"timeoutMs": 5000}
call {"attemptTimeoutMs": 0}
call {"attemptTimeoutMs": 10}
call {"fallback": "yes"}
call {"fallback": false, "resumeOnError": true, "validateOutput": false}
call {"resumeOnError": 1}
call {"validateOutput": null}
call {"sessionId": 5}
call {"sessionId": "s", "provider": "groq"}
call {"provider": false}
call {"sticky": "auto"}
call {"sticky": "no"}
call {"signal": null, "sticky": false}"#;

fn outcome(line: &str) -> String {
    let (kind, input) = line.split_once(' ').expect("a kind, then the JSON");
    let v = from_str(input).expect("valid JSON in the case table");
    let got = match kind {
        "client" => ClientOptions::from_json(&v).map(|o| format!("{o:?}")),
        _ => CallOptions::from_json(&v, 60_000).map(|o| format!("{o:?}")),
    };
    match got {
        Ok(o) => format!("ok {o}"),
        Err(e) => format!("{} {}", e.code.as_str(), e.message),
    }
}

#[test]
fn every_option_rule_and_message_is_pinned() {
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/core/options.golden");
    let mut now = String::new();
    for line in CASES.lines() {
        now.push_str(line);
        now.push_str("\n  ");
        now.push_str(&outcome(line));
        now.push('\n');
    }
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(golden, &now).expect("write the golden file");
    }
    let want = std::fs::read_to_string(golden).expect("tests/core/options.golden");
    for (w, n) in want.lines().zip(now.lines()) {
        assert_eq!(n, w);
    }
    assert_eq!(now.lines().count(), want.lines().count());
}
