#include "CEKScan.h"
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The fast path of CloudTrailRecordReader (Sources/CEKAuditLogs/CloudTrail): the same walk over one record, with
/// the same grammar checks, in C. Whatever it does not decide (an escape in a member it reads, a member of an
/// unexpected type, a repeated member, a structural error) returns 0 and the Swift reader reads the record instead,
/// so every outcome, errors included, stays the Swift reader's. AuditLine's fast path is built the same way.

typedef struct {
    const uint8_t *p;
    size_t i, n;
} ct_cursor;

static const cek_span ct_none = {-1, 0};

/// White space as RFC 8259 §2 has it (the Swift reader's `ws()`).
static inline void ct_ws(ct_cursor *c) {
    while (c->i < c->n) {
        const uint8_t b = c->p[c->i];
        if (b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09) return;
        c->i++;
    }
}

/// A string at the cursor (its `"`), checked as JSONByteCursor.string() checks it: terminated, no raw byte below
/// 0x20; a backslash takes the next byte with it. Bytes of 0x80 and above are taken as they are (the Swift reader
/// does not validate UTF-8 either). With `escapes` 0, a string holding a backslash is not decided (0). Sets `s`.
static inline int ct_string(ct_cursor *c, cek_span *s, int escapes) {
    if (c->i >= c->n || c->p[c->i] != '"') return 0;
    const size_t start = ++c->i;
    size_t k = start;
    const size_t n = c->n;
    const uint8_t *p = c->p;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
        while (k + 16 <= n) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(p + k));
            const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                             _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));   // v <= 0x1F
            const unsigned mask = (unsigned)_mm_movemask_epi8(hit);
            if (mask == 0) { k += 16; continue; }
            k += (size_t)__builtin_ctz(mask);
            break;
        }
#endif
        if (k >= n) return 0;
        const uint8_t b = p[k];
        if (b == '"') {
            s->start = (int32_t)start;
            s->length = (int32_t)(k - start);
            c->i = k + 1;
            return 1;
        }
        if (b == '\\') {
            if (!escapes) return 0;
            k += 2;
            continue;
        }
        if (b < 0x20) return 0;
        k++;
    }
}

static inline int ct_delimiter(uint8_t b) {
    return b == ',' || b == '}' || b == ']' || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09;
}

/// A value skipped as JSONByteCursor.skipValue() skips it: a string, an object or array (cek_skip_composite, the
/// Swift reader's own fast path), or any other token up to a delimiter (at least one byte).
static inline int ct_skip(ct_cursor *c) {
    ct_ws(c);
    if (c->i >= c->n) return 0;
    const uint8_t b = c->p[c->i];
    if (b == '"') {
        cek_span s;
        return ct_string(c, &s, 1);
    }
    if (b == '{' || b == '[') {
        const long e = cek_skip_composite(c->p, c->i, c->n);
        if (e < 0) return 0;
        c->i = (size_t)e;
        return 1;
    }
    const size_t start = c->i;
    while (c->i < c->n && !ct_delimiter(c->p[c->i])) c->i++;
    return c->i > start;
}

/// The token `null` (followed by a delimiter or the end) at the cursor: consumed, 1.
static inline int ct_null(ct_cursor *c) {
    if (c->i + 4 > c->n || memcmp(c->p + c->i, "null", 4) != 0) return 0;
    if (c->i + 4 < c->n && !ct_delimiter(c->p[c->i + 4])) return 0;
    c->i += 4;
    return 1;
}

/// A member the Swift reader reads as text: a string without escapes (`s` its contents) or `null` (`s` none).
static inline int ct_text(ct_cursor *c, cek_span *s) {
    ct_ws(c);
    if (c->i < c->n && c->p[c->i] == '"') return ct_string(c, s, 0);
    if (ct_null(c)) { *s = ct_none; return 1; }
    return 0;
}

/// A member the Swift reader reads as an object: 1 with the cursor after its `{`, 2 for `null`, 0 otherwise.
static inline int ct_object(ct_cursor *c) {
    ct_ws(c);
    if (c->i < c->n && c->p[c->i] == '{') { c->i++; return 1; }
    if (ct_null(c)) return 2;
    return 0;
}

static inline int ct_key(const ct_cursor *c, cek_span k, const char *s, size_t len) {
    return (size_t)k.length == len && memcmp(c->p + k.start, s, len) == 0;
}
#define CT_KEY(c, k, lit) ct_key((c), (k), lit, sizeof(lit) - 1)

/// Notes that member `bit` was seen in this object; 0 when it was seen before (the Swift reader keeps the last).
#define CT_ONCE(seen, bit) do { if ((seen) & (1u << (bit))) return 0; (seen) |= 1u << (bit); } while (0)

/// The members of an object whose `{` was just read, as the Swift reader's `nextKey` walks them: `body` reads each
/// value (cursor after the `:`). Keys may hold escapes (their raw bytes then match no member name, as in Swift).
#define CT_MEMBERS(c, key, body)                                          \
    do {                                                                  \
        int first_ = 1;                                                   \
        for (;;) {                                                        \
            ct_ws(c);                                                     \
            if ((c)->i >= (c)->n) return 0;                               \
            if ((c)->p[(c)->i] == '}') { (c)->i++; break; }               \
            if (!first_) {                                                \
                if ((c)->p[(c)->i] != ',') return 0;                      \
                (c)->i++;                                                 \
                ct_ws(c);                                                 \
            }                                                             \
            first_ = 0;                                                   \
            cek_span key;                                                 \
            if (!ct_string((c), &key, 1)) return 0;                       \
            ct_ws(c);                                                     \
            if ((c)->i >= (c)->n || (c)->p[(c)->i] != ':') return 0;      \
            (c)->i++;                                                     \
            body                                                          \
        }                                                                 \
    } while (0)

static int ct_identity(ct_cursor *c, cek_cloudtrail_fields *out) {
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        if (CT_KEY(c, k, "type")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->identity_type)) return 0; }
        else if (CT_KEY(c, k, "arn")) { CT_ONCE(seen, 1); if (!ct_text(c, &out->identity_arn)) return 0; }
        else if (CT_KEY(c, k, "accountId")) { CT_ONCE(seen, 2); if (!ct_text(c, &out->identity_account_id)) return 0; }
        else if (CT_KEY(c, k, "invokedBy")) { CT_ONCE(seen, 3); if (!ct_text(c, &out->identity_invoked_by)) return 0; }
        else if (!ct_skip(c)) return 0;
    });
    return 1;
}

static int ct_resources(ct_cursor *c, cek_cloudtrail_fields *out) {
    // The cursor is after `[`.
    int first = 1;
    for (;;) {
        ct_ws(c);
        if (c->i >= c->n) return 0;
        if (c->p[c->i] == ']') { c->i++; return 1; }
        if (!first) {
            if (c->p[c->i] != ',') return 0;
            c->i++;
            ct_ws(c);
        }
        first = 0;
        if (c->i >= c->n || c->p[c->i] != '{') return 0;   // the Swift reader skips other items; not decided here
        c->i++;
        if (out->resource_count >= CEK_CLOUDTRAIL_MAX_RESOURCES) return 0;
        const int32_t r = out->resource_count++;
        out->resource_arn[r] = ct_none;
        out->resource_type[r] = ct_none;
        unsigned seen = 0;
        CT_MEMBERS(c, k, {
            if (CT_KEY(c, k, "ARN")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->resource_arn[r])) return 0; }
            else if (CT_KEY(c, k, "type")) { CT_ONCE(seen, 1); if (!ct_text(c, &out->resource_type[r])) return 0; }
            else if (!ct_skip(c)) return 0;
        });
    }
}

static int ct_request(ct_cursor *c, cek_cloudtrail_fields *out) {
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        if (CT_KEY(c, k, "keyId")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->request_key_id)) return 0; }
        else if (CT_KEY(c, k, "targetKeyId")) { CT_ONCE(seen, 1); if (!ct_text(c, &out->request_target_key_id)) return 0; }
        else if (CT_KEY(c, k, "aliasName")) { CT_ONCE(seen, 2); if (!ct_text(c, &out->request_alias_name)) return 0; }
        else if (CT_KEY(c, k, "rotationPeriodInDays")) { CT_ONCE(seen, 3); if (!ct_text(c, &out->request_rotation_period)) return 0; }
        else if (!ct_skip(c)) return 0;
    });
    return 1;
}

static int ct_response(ct_cursor *c, cek_cloudtrail_fields *out) {
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        if (CT_KEY(c, k, "keyId")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->response_key_id)) return 0; }
        else if (CT_KEY(c, k, "keyMetadata")) {
            CT_ONCE(seen, 1);
            const int o = ct_object(c);
            if (o == 0) return 0;
            if (o == 1) {
                out->has_metadata = 1;
                unsigned seen2 = 0;
                CT_MEMBERS(c, k2, {
                    if (CT_KEY(c, k2, "arn")) { CT_ONCE(seen2, 0); if (!ct_text(c, &out->metadata_arn)) return 0; }
                    else if (CT_KEY(c, k2, "keyId")) { CT_ONCE(seen2, 1); if (!ct_text(c, &out->metadata_key_id)) return 0; }
                    else if (CT_KEY(c, k2, "origin")) { CT_ONCE(seen2, 2); if (!ct_text(c, &out->metadata_origin)) return 0; }
                    else if (CT_KEY(c, k2, "keyManager")) { CT_ONCE(seen2, 3); if (!ct_text(c, &out->metadata_key_manager)) return 0; }
                    else if (!ct_skip(c)) return 0;
                });
            }
        }
        else if (!ct_skip(c)) return 0;
    });
    return 1;
}

static int ct_additional(ct_cursor *c, cek_cloudtrail_fields *out) {
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        if (CT_KEY(c, k, "customKeyStoreId")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->custom_key_store_id)) return 0; }
        else if (CT_KEY(c, k, "xksKeyId")) { CT_ONCE(seen, 1); if (!ct_text(c, &out->xks_key_id)) return 0; }
        else if (!ct_skip(c)) return 0;
    });
    return 1;
}

static int ct_service(ct_cursor *c, cek_cloudtrail_fields *out) {
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        if (CT_KEY(c, k, "keyId")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->service_key_id)) return 0; }
        else if (!ct_skip(c)) return 0;
    });
    return 1;
}

/// Reads an object member with `reader` (1 after `{`), or notes it absent for `null`.
#define CT_OBJECT_MEMBER(c, flag, reader)                    \
    do {                                                     \
        const int o_ = ct_object(c);                         \
        if (o_ == 0) return 0;                               \
        if (o_ == 1) { (flag) = 1; if (!reader(c, out)) return 0; } \
    } while (0)

int cek_cloudtrail_record_scan(const uint8_t *record, size_t length, cek_cloudtrail_fields *out) {
    out->event_time = out->event_source = out->event_name = out->aws_region = out->event_id = out->request_id = ct_none;
    out->error_code = out->error_message = out->recipient_account_id = ct_none;
    out->identity_type = out->identity_arn = out->identity_account_id = out->identity_invoked_by = ct_none;
    out->request_key_id = out->request_target_key_id = out->request_alias_name = out->request_rotation_period = ct_none;
    out->response_key_id = out->metadata_arn = out->metadata_key_id = out->metadata_origin = out->metadata_key_manager = ct_none;
    out->custom_key_store_id = out->xks_key_id = out->service_key_id = ct_none;
    out->resource_count = 0;
    out->has_identity = out->has_resources = out->has_request = out->has_response = 0;
    out->has_metadata = out->has_additional = out->has_service = 0;
    if (length > 0x7FFFFFFF) return 0;
    ct_cursor cur = {record, 0, length};
    ct_cursor *c = &cur;
    ct_ws(c);
    if (c->i >= c->n || c->p[c->i] != '{') return 0;
    c->i++;
    unsigned seen = 0;
    CT_MEMBERS(c, k, {
        switch (k.length) {
        case 7:
            if (CT_KEY(c, k, "eventID")) { CT_ONCE(seen, 0); if (!ct_text(c, &out->event_id)) return 0; }
            else if (!ct_skip(c)) return 0;
            break;
        case 9:
            if (CT_KEY(c, k, "eventTime")) { CT_ONCE(seen, 1); if (!ct_text(c, &out->event_time)) return 0; }
            else if (CT_KEY(c, k, "eventName")) { CT_ONCE(seen, 2); if (!ct_text(c, &out->event_name)) return 0; }
            else if (CT_KEY(c, k, "awsRegion")) { CT_ONCE(seen, 3); if (!ct_text(c, &out->aws_region)) return 0; }
            else if (CT_KEY(c, k, "requestID")) { CT_ONCE(seen, 4); if (!ct_text(c, &out->request_id)) return 0; }
            else if (CT_KEY(c, k, "errorCode")) { CT_ONCE(seen, 5); if (!ct_text(c, &out->error_code)) return 0; }
            else if (CT_KEY(c, k, "resources")) {
                CT_ONCE(seen, 6);
                ct_ws(c);
                if (c->i < c->n && c->p[c->i] == '[') {
                    c->i++;
                    out->has_resources = 1;
                    if (!ct_resources(c, out)) return 0;
                } else if (!ct_null(c)) return 0;
            }
            else if (!ct_skip(c)) return 0;
            break;
        case 11:
            if (CT_KEY(c, k, "eventSource")) { CT_ONCE(seen, 7); if (!ct_text(c, &out->event_source)) return 0; }
            else if (!ct_skip(c)) return 0;
            break;
        case 12:
            if (CT_KEY(c, k, "errorMessage")) { CT_ONCE(seen, 8); if (!ct_text(c, &out->error_message)) return 0; }
            else if (CT_KEY(c, k, "userIdentity")) { CT_ONCE(seen, 9); CT_OBJECT_MEMBER(c, out->has_identity, ct_identity); }
            else if (!ct_skip(c)) return 0;
            break;
        case 16:
            if (CT_KEY(c, k, "responseElements")) { CT_ONCE(seen, 10); CT_OBJECT_MEMBER(c, out->has_response, ct_response); }
            else if (!ct_skip(c)) return 0;
            break;
        case 17:
            if (CT_KEY(c, k, "requestParameters")) { CT_ONCE(seen, 11); CT_OBJECT_MEMBER(c, out->has_request, ct_request); }
            else if (!ct_skip(c)) return 0;
            break;
        case 18:
            if (CT_KEY(c, k, "recipientAccountId")) { CT_ONCE(seen, 12); if (!ct_text(c, &out->recipient_account_id)) return 0; }
            else if (!ct_skip(c)) return 0;
            break;
        case 19:
            if (CT_KEY(c, k, "additionalEventData")) { CT_ONCE(seen, 13); CT_OBJECT_MEMBER(c, out->has_additional, ct_additional); }
            else if (CT_KEY(c, k, "serviceEventDetails")) { CT_ONCE(seen, 14); CT_OBJECT_MEMBER(c, out->has_service, ct_service); }
            else if (!ct_skip(c)) return 0;
            break;
        default:
            if (!ct_skip(c)) return 0;
        }
    });
    ct_ws(c);
    return c->i == c->n;
}
