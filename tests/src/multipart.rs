//! `multipart/form-data` bodies following the GraphQL multipart request spec, for the
//! evidence tests and the load-balancer traffic.

use serde_json::{Value, json};

/// A body with the `operations` part, a `map` part naming `variables.i.file`, and the file
/// as part "0"; returns the boundary with it.
pub fn upload(
    operations: &Value,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let boundary = format!("----thidua-{}", uuid::Uuid::new_v4().simple());
    let map = json!({"0": ["variables.i.file"]});
    let mut body = Vec::with_capacity(bytes.len() + 1024);
    let part = |body: &mut Vec<u8>, headers: &str, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part(
        &mut body,
        "Content-Disposition: form-data; name=\"operations\"\r\nContent-Type: application/json",
        operations.to_string().as_bytes(),
    );
    part(
        &mut body,
        "Content-Disposition: form-data; name=\"map\"\r\nContent-Type: application/json",
        map.to_string().as_bytes(),
    );
    part(
        &mut body,
        &format!(
            "Content-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}"
        ),
        bytes,
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}
