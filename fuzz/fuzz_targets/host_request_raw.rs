//! Raw text through the host door after the scenario files' setup
//! (`tests/scenarios/town.json`): the first line is the actor, the rest a request
//! (`{"command": …, "args": …}`, given to `Host::call`) or an array of them (given to
//! `Host::call_many`). When the text is JSON, strings `"$name.path"` are replaced by
//! the setup's saved results as in the scenario files (`"$cw.id"`, `"$file.id"`), so
//! the seeds are scenario steps; otherwise the text goes to the door as it is.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use teho_core::store::MemoryStore;
use teho_fuzz::{substitute, town_host};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (actor, request) = text.split_once('\n').unwrap_or((&text, ""));
    let (host, known) = town_host(Arc::new(MemoryStore::new()));
    let fill = |t: &str| match serde_json::from_str::<Value>(t) {
        Ok(v) => substitute(&v, &known.saved).to_string(),
        Err(_) => t.to_string(),
    };
    let (actor, request) = (fill(actor), fill(request));
    if request.trim_start().starts_with('[') {
        let _ = host.call_many(&actor, &request);
    } else {
        let _ = host.call(&actor, &request);
    }
});
