#ifndef CEK_AUDIT_LINE_H
#define CEK_AUDIT_LINE_H

#include <stddef.h>
#include <stdint.h>

/// Where a string member's body lies in a line: `start` bytes from the line's start, `length` bytes (no quotes, no
/// escapes in it). `start` is -1 when the member is absent or `null`.
typedef struct {
    int32_t start;
    int32_t length;
} cek_span;

/// The members of an OpenBao / Vault audit record that the collector reads (OpenBao documentation, "Audit devices").
typedef struct {
    cek_span time, type, error;
    /// `auth.display_name`, `auth.entity_id`, `auth.accessor`.
    cek_span display_name, entity_id, accessor;
    /// `request.id`, `operation`, `path`, `mount_point`, `mount_type`, `client_token_accessor`, `namespace.path`.
    cek_span request_id, operation, path, mount_point, mount_type, client_token_accessor, namespace_path;
    /// `response.data.error` when it is a string.
    cek_span response_error;
    /// `auth.policy_results.allowed`: -1 absent or `null`, 0 false, 1 true.
    int8_t allowed;
} cek_audit_fields;

/// The fast path of the audit-line reader: reads the JSON object at `line[0..<length]` (from its `{`; white space
/// may follow it) and fills `out`.
///
/// Returns 1 when it decided that the line is one well-formed JSON object (RFC 8259) whose members the collector
/// reads have their types (strings, objects and the `allowed` boolean, or `null`), and `out` holds them. Returns 0
/// when it does not decide: the line is malformed, or holds something the fast path leaves to the exact reader — a
/// backslash escape or a non-ASCII byte in a string, a member the collector reads given twice in one object, a
/// `request.data` member that is a transit setting, nesting deeper than 64, a length over 2 GiB. On 0 the caller
/// runs its exact reader (AuditLineReader), which gives the outcome and the error; where this returns 1, that
/// reader gives the same members.
int cek_audit_line_scan(const uint8_t *line, size_t length, cek_audit_fields *out);

#endif
