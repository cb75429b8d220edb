#include "CEKAuditLine.h"
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The cursor over one line; every reader returns 0 (not decided) as soon as something leaves the fast path.
typedef struct {
    const uint8_t *p;
    size_t i, n;
} cursor;

static inline void ws(cursor *c) {
    while (c->i < c->n) {
        const uint8_t b = c->p[c->i];
        if (b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09) return;
        c->i++;
    }
}

/// A string at the cursor (its `"`): ASCII without escapes or control bytes, else 0. Sets `s` to its body.
static inline int string_at(cursor *c, cek_span *s) {
    if (c->i >= c->n || c->p[c->i] != '"') return 0;
    size_t k = ++c->i;
    const size_t n = c->n;
    const uint8_t *p = c->p;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), low = _mm_set1_epi8(0x20);
    while (k + 16 <= n) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + k));
        // Signed compare: bytes below 0x20 and bytes of 0x80 and above (negative) are both "less than 0x20".
        const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, low));
        const unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask == 0) { k += 16; continue; }
        k += (size_t)__builtin_ctz(mask);
        if (p[k] != '"') return 0;
        s->start = (int32_t)c->i;
        s->length = (int32_t)(k - c->i);
        c->i = k + 1;
        return 1;
    }
#endif
    while (k < n) {
        const uint8_t b = p[k];
        if (b == '"') {
            s->start = (int32_t)c->i;
            s->length = (int32_t)(k - c->i);
            c->i = k + 1;
            return 1;
        }
        if (b == '\\' || b < 0x20 || b >= 0x80) return 0;
        k++;
    }
    return 0;
}

static inline int is_digit(uint8_t b) { return b >= '0' && b <= '9'; }

/// A number by the JSON grammar.
static int number_at(cursor *c) {
    const uint8_t *p = c->p;
    size_t i = c->i;
    const size_t n = c->n;
    if (i < n && p[i] == '-') i++;
    if (i >= n) return 0;
    if (p[i] == '0') {
        i++;
    } else {
        if (p[i] < '1' || p[i] > '9') return 0;
        while (i < n && is_digit(p[i])) i++;
    }
    if (i < n && p[i] == '.') {
        i++;
        const size_t d = i;
        while (i < n && is_digit(p[i])) i++;
        if (i == d) return 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        const size_t d = i;
        while (i < n && is_digit(p[i])) i++;
        if (i == d) return 0;
    }
    c->i = i;
    return 1;
}

static inline int literal_at(cursor *c, const char *s, size_t len) {
    if (c->i + len > c->n || memcmp(c->p + c->i, s, len) != 0) return 0;
    c->i += len;
    return 1;
}

/// `null` at the cursor (after white space): consumed, 1.
static inline int null_at(cursor *c) {
    ws(c);
    if (c->i + 4 <= c->n && c->p[c->i] == 'n' && memcmp(c->p + c->i, "null", 4) == 0) {
        c->i += 4;
        return 1;
    }
    return 0;
}

static int skip_value(cursor *c, int depth);
static inline int skip_member(cursor *c, int depth);

/// The members of an object whose `{` was just read: calls `member` for each key (cursor after its `:`, before the
/// value's white space), which reads the value. Returns 0 on anything not decided.
#define FOR_MEMBERS(c, key, body)                                        \
    do {                                                                 \
        ws(c);                                                           \
        if ((c)->i < (c)->n && (c)->p[(c)->i] == '}') { (c)->i++; break; } \
        for (;;) {                                                       \
            cek_span key;                                                \
            if (!string_at((c), &key)) return 0;                         \
            ws(c);                                                       \
            if ((c)->i >= (c)->n || (c)->p[(c)->i] != ':') return 0;     \
            (c)->i++;                                                    \
            body                                                         \
            ws(c);                                                       \
            if ((c)->i >= (c)->n) return 0;                              \
            if ((c)->p[(c)->i] == ',') { (c)->i++; ws(c); continue; }    \
            if ((c)->p[(c)->i] == '}') { (c)->i++; break; }              \
            return 0;                                                    \
        }                                                                \
    } while (0)

static int skip_value(cursor *c, int depth) {
    ws(c);
    if (c->i >= c->n || depth > 64) return 0;
    switch (c->p[c->i]) {
    case '"': {
        cek_span s;
        return string_at(c, &s);
    }
    case '{':
        c->i++;
        FOR_MEMBERS(c, key, { (void)key; if (!skip_member(c, depth + 1)) return 0; });
        return 1;
    case '[':
        c->i++;
        ws(c);
        if (c->i < c->n && c->p[c->i] == ']') { c->i++; return 1; }
        for (;;) {
            if (!skip_value(c, depth + 1)) return 0;
            ws(c);
            if (c->i >= c->n) return 0;
            if (c->p[c->i] == ',') { c->i++; continue; }
            if (c->p[c->i] == ']') { c->i++; return 1; }
            return 0;
        }
    case 't': return literal_at(c, "true", 4);
    case 'f': return literal_at(c, "false", 5);
    case 'n': return literal_at(c, "null", 4);
    default: return number_at(c);
    }
}

/// A member read as a string: a string or `null` (span left at -1), else 0.
static inline int string_or_null(cursor *c, cek_span *s) {
    if (c->i < c->n && c->p[c->i] == '"') return string_at(c, s);   // the usual case, no white space
    if (null_at(c)) { s->start = -1; s->length = 0; return 1; }
    return string_at(c, s);
}

/// A member read as an object: 1 with the cursor after its `{`, 2 for `null`, 0 otherwise.
static inline int object_or_null(cursor *c) {
    if (c->i < c->n && c->p[c->i] == '{') { c->i++; return 1; }   // the usual case, no white space
    if (null_at(c)) return 2;
    if (c->i < c->n && c->p[c->i] == '{') { c->i++; return 1; }
    return 0;
}

/// A member value skipped: a string at once (the usual case), anything else by skip_value.
static inline int skip_member(cursor *c, int depth) {
    if (c->i < c->n && c->p[c->i] == '"') {
        cek_span s;
        return string_at(c, &s);
    }
    return skip_value(c, depth);
}

static inline int key_is(const cursor *c, cek_span k, const char *s, size_t len) {
    return (size_t)k.length == len && memcmp(c->p + k.start, s, len) == 0;
}
#define KEY(c, k, lit) key_is((c), (k), lit, sizeof(lit) - 1)

/// Notes that member `bit` was seen in this object; 0 when it was seen before (the exact reader decides).
#define ONCE(seen, bit) do { if ((seen) & (1u << (bit))) return 0; (seen) |= 1u << (bit); } while (0)

/// The transit settings the collector records from `request.data` (AuditLogTally.settingNames): such a line goes to
/// the exact reader, which keeps their values.
static int is_setting(const cursor *c, cek_span k) {
    static const struct {
        const char *name;
        int32_t length;
    } names[] = {
        {"type", 4}, {"exportable", 10}, {"allow_plaintext_backup", 22}, {"deletion_allowed", 16}, {"auto_rotate_period", 18},
        {"min_decryption_version", 22}, {"min_encryption_version", 22}, {"derived", 7}, {"convergent_encryption", 21},
        {"allow_rotation", 14}, {"key_size", 8}, {"hash_function", 13},
    };
    for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
        if (k.length == names[j].length && memcmp(c->p + k.start, names[j].name, (size_t)k.length) == 0) return 1;
    }
    return 0;
}

static int auth_object(cursor *c, cek_audit_fields *out) {
    unsigned seen = 0;
    FOR_MEMBERS(c, k, {
        if (KEY(c, k, "display_name")) { ONCE(seen, 0); if (!string_or_null(c, &out->display_name)) return 0; }
        else if (KEY(c, k, "entity_id")) { ONCE(seen, 1); if (!string_or_null(c, &out->entity_id)) return 0; }
        else if (KEY(c, k, "accessor")) { ONCE(seen, 2); if (!string_or_null(c, &out->accessor)) return 0; }
        else if (KEY(c, k, "policy_results")) {
            ONCE(seen, 3);
            const int o = object_or_null(c);
            if (o == 0) return 0;
            if (o == 1) {
                unsigned seen2 = 0;
                FOR_MEMBERS(c, k2, {
                    if (KEY(c, k2, "allowed")) {
                        ONCE(seen2, 0);
                        if (null_at(c)) out->allowed = -1;
                        else if (literal_at(c, "true", 4)) out->allowed = 1;
                        else if (literal_at(c, "false", 5)) out->allowed = 0;
                        else return 0;
                    } else if (!skip_member(c, 3)) return 0;
                });
            }
        }
        else if (!skip_member(c, 2)) return 0;
    });
    return 1;
}

static int request_object(cursor *c, cek_audit_fields *out) {
    unsigned seen = 0;
    FOR_MEMBERS(c, k, {
        if (KEY(c, k, "id")) { ONCE(seen, 0); if (!string_or_null(c, &out->request_id)) return 0; }
        else if (KEY(c, k, "operation")) { ONCE(seen, 1); if (!string_or_null(c, &out->operation)) return 0; }
        else if (KEY(c, k, "path")) { ONCE(seen, 2); if (!string_or_null(c, &out->path)) return 0; }
        else if (KEY(c, k, "mount_point")) { ONCE(seen, 3); if (!string_or_null(c, &out->mount_point)) return 0; }
        else if (KEY(c, k, "mount_type")) { ONCE(seen, 4); if (!string_or_null(c, &out->mount_type)) return 0; }
        else if (KEY(c, k, "client_token_accessor")) { ONCE(seen, 5); if (!string_or_null(c, &out->client_token_accessor)) return 0; }
        else if (KEY(c, k, "namespace")) {
            ONCE(seen, 6);
            const int o = object_or_null(c);
            if (o == 0) return 0;
            if (o == 1) {
                unsigned seen2 = 0;
                FOR_MEMBERS(c, k2, {
                    if (KEY(c, k2, "path")) { ONCE(seen2, 0); if (!string_or_null(c, &out->namespace_path)) return 0; }
                    else if (KEY(c, k2, "id")) { ONCE(seen2, 1); cek_span ignored; if (!string_or_null(c, &ignored)) return 0; }
                    else if (!skip_member(c, 3)) return 0;
                });
            }
        }
        else if (KEY(c, k, "data")) {
            ONCE(seen, 7);
            const int o = object_or_null(c);
            if (o == 0) return 0;
            if (o == 1) {
                FOR_MEMBERS(c, k2, {
                    if (is_setting(c, k2)) return 0;
                    if (!skip_member(c, 3)) return 0;
                });
            }
        }
        else if (!skip_member(c, 2)) return 0;
    });
    return 1;
}

static int response_object(cursor *c, cek_audit_fields *out) {
    unsigned seen = 0;
    FOR_MEMBERS(c, k, {
        if (KEY(c, k, "data")) {
            ONCE(seen, 0);
            const int o = object_or_null(c);
            if (o == 0) return 0;
            if (o == 1) {
                unsigned seen2 = 0;
                FOR_MEMBERS(c, k2, {
                    if (KEY(c, k2, "error")) {
                        ONCE(seen2, 0);
                        ws(c);
                        if (c->i < c->n && c->p[c->i] == '"') {
                            if (!string_at(c, &out->response_error)) return 0;
                        } else if (!skip_member(c, 3)) return 0;   // not a string: no error text
                    } else if (!skip_member(c, 3)) return 0;
                });
            }
        }
        else if (!skip_member(c, 2)) return 0;
    });
    return 1;
}

int cek_audit_line_scan(const uint8_t *line, size_t length, cek_audit_fields *out) {
    const cek_span none = {-1, 0};
    out->time = out->type = out->error = none;
    out->display_name = out->entity_id = out->accessor = none;
    out->request_id = out->operation = out->path = out->mount_point = out->mount_type = none;
    out->client_token_accessor = out->namespace_path = out->response_error = none;
    out->allowed = -1;
    if (length > 0x7FFFFFFF) return 0;
    cursor cur = {line, 0, length};
    cursor *c = &cur;
    ws(c);
    if (c->i >= c->n || c->p[c->i] != '{') return 0;
    c->i++;
    unsigned seen = 0;
    FOR_MEMBERS(c, k, {
        if (KEY(c, k, "time")) { ONCE(seen, 0); if (!string_or_null(c, &out->time)) return 0; }
        else if (KEY(c, k, "type")) { ONCE(seen, 1); if (!string_or_null(c, &out->type)) return 0; }
        else if (KEY(c, k, "error")) { ONCE(seen, 2); if (!string_or_null(c, &out->error)) return 0; }
        else if (KEY(c, k, "auth")) {
            ONCE(seen, 3);
            const int o = object_or_null(c);
            if (o == 0 || (o == 1 && !auth_object(c, out))) return 0;
        }
        else if (KEY(c, k, "request")) {
            ONCE(seen, 4);
            const int o = object_or_null(c);
            if (o == 0 || (o == 1 && !request_object(c, out))) return 0;
        }
        else if (KEY(c, k, "response")) {
            ONCE(seen, 5);
            const int o = object_or_null(c);
            if (o == 0 || (o == 1 && !response_object(c, out))) return 0;
        }
        else if (!skip_member(c, 1)) return 0;
    });
    ws(c);
    return c->i == c->n;
}
