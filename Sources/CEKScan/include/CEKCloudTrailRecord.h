#ifndef CEK_CLOUDTRAIL_RECORD_H
#define CEK_CLOUDTRAIL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "CEKAuditLine.h"

/// Most `resources` entries the fast path keeps; a record with more goes to the exact reader.
#define CEK_CLOUDTRAIL_MAX_RESOURCES 4

/// The members of one CloudTrail record that the KMS audit reads (CloudTrailRecord in Swift), as spans of the
/// record's bytes: `start` is an offset from the record's first byte, -1 for a member that is absent or `null`.
/// Every span is a string's contents without escapes. The `has_*` flags say whether an object (or the resources
/// array) was present (1) or absent / `null` (0).
typedef struct {
    cek_span event_time, event_source, event_name, aws_region, event_id, request_id;
    cek_span error_code, error_message, recipient_account_id;
    cek_span identity_type, identity_arn, identity_account_id, identity_invoked_by;
    cek_span resource_arn[CEK_CLOUDTRAIL_MAX_RESOURCES], resource_type[CEK_CLOUDTRAIL_MAX_RESOURCES];
    cek_span request_key_id, request_target_key_id, request_alias_name, request_rotation_period;
    cek_span response_key_id, metadata_arn, metadata_key_id, metadata_origin, metadata_key_manager;
    cek_span custom_key_store_id, xks_key_id, service_key_id;
    int32_t resource_count;
    int8_t has_identity, has_resources, has_request, has_response, has_metadata, has_additional, has_service;
} cek_cloudtrail_fields;

/// Reads the members of the record in `record[0..<length]` in one pass. Returns 1 when the record takes the fast
/// path: the whole record is well-formed as the Swift reader (CloudTrailRecordReader) checks it, every member it
/// reads is a string without escapes or `null` (objects and arrays where it expects them), no member it reads is
/// repeated, and there are at most CEK_CLOUDTRAIL_MAX_RESOURCES resources; `out` then holds exactly what the
/// Swift reader would read. Returns 0 otherwise (not decided, `out` unspecified): the caller uses the Swift reader,
/// which reads such records exactly and reports their errors.
int cek_cloudtrail_record_scan(const uint8_t *record, size_t length, cek_cloudtrail_fields *out);

#endif
