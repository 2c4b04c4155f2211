/*
 * C fast paths for the two parsers that carry most of the traffic:
 * combined access logs (CombinedFast) and RFC 3164 syslog with sshd message
 * classification (SyslogFast).
 *
 * Contract (see sentinel/parsers/speedups.py): each object is installed as a
 * parser's ``parse`` and must return exactly what the Python parser returns
 * for the same input, with the same counters.  It only handles the everyday
 * shape: a line of printable ASCII (0x20-0x7e, which also rules out NULs,
 * invalid UTF-8, control characters and Unicode whitespace) that matches the
 * strict pattern.  Everything else is handed, untouched, to the Python
 * ``fallback`` (the reference implementation), so rare shapes need no C.
 * Each object's ``parse_block`` is LineParser.parse_block for that parser:
 * the same per-line work over a block of raw lines, LineRefs built in C.
 *
 * Hostile input: every read is bounds-checked against the line length; each
 * scan moves forward (or, for the right-to-left searches, backward a bounded
 * number of times), so the work is linear in the line; nothing recurses.
 * Caches hold one entry each, the intern table a fixed number of bounded
 * strings (no growth).
 *
 * One file past the usual module size on purpose: a single translation unit
 * keeps every helper static (no exported symbols but PyInit__speedups) and
 * lets the compiler inline the small scanners into the per-line functions.
 * Sections: shared helpers, CombinedFast, SyslogFast (header scan, sshd
 * classification, the line), module.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <structmember.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* sentinel.parsers.base.MAX_FIELD_CHARS (checked at import by speedups.py). */
#define MAX_FIELD_CHARS 8192
#define EVENT_FIELDS 21
#define CLF_STAMP_LEN 26
#define SYSLOG_STAMP_LEN 15
/* Oldest and newest event times accepted (timestamps.MIN_TS / MAX_TS). */
#define MIN_TS 631152000.0
#define MAX_TS 7258118400.0

/* -- shared helpers ----------------------------------------------------- */

typedef struct {
    Py_ssize_t start;
    Py_ssize_t end; /* exclusive */
} Span;

/*
 * Whether s[0:n] is all printable ASCII (0x20-0x7e), and (``no_backslash``)
 * holds no backslash.  No early exit: a line is scanned once, sixteen bytes
 * at a time with SSE2 (every x86-64 has it), eight at a time elsewhere
 * (SWAR), as the compiler's -O2 cost model does not vectorise the byte loop.
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Some byte of ``w`` is below ``limit`` (<= 0x80); exact as an "any" test. */
static inline uint64_t
any_below(uint64_t w, unsigned char limit)
{
    return (w - ONES * limit) & ~w & HIGHS;
}

static inline uint64_t
any_equal(uint64_t w, unsigned char c)
{
    return any_below(w ^ (ONES * c), 1);
}

static inline int
printable_scan(const unsigned char *s, Py_ssize_t n, int no_backslash)
{
    uint64_t bad = 0, w;
    Py_ssize_t i = 0;
#ifdef __SSE2__
    const __m128i space_minus_1 = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
    const __m128i slash = _mm_set1_epi8(no_backslash ? '\\' : 0x7f);
    __m128i wrong = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
        /* Signed: bytes >= 0x80 are negative, so "not > 0x1f" catches them too. */
        wrong = _mm_or_si128(wrong, _mm_cmpeq_epi8(_mm_cmpgt_epi8(x, space_minus_1),
                                                   _mm_setzero_si128()));
        wrong = _mm_or_si128(wrong, _mm_or_si128(_mm_cmpeq_epi8(x, del),
                                                 _mm_cmpeq_epi8(x, slash)));
    }
    bad = (uint64_t)_mm_movemask_epi8(wrong);
#endif
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        bad |= (w & HIGHS) | any_below(w, 0x20) | any_equal(w, 0x7f);
        if (no_backslash) {
            bad |= any_equal(w, '\\');
        }
    }
    for (; i < n; i++) {
        bad |= (uint64_t)((unsigned char)(s[i] - 0x20) > 0x5e)
               | (uint64_t)(no_backslash && s[i] == '\\');
    }
    return bad == 0;
}

static int
printable_ascii(const unsigned char *s, Py_ssize_t n)
{
    return printable_scan(s, n, 0);
}

/* printable_ascii, and no backslash (a combined line with escapes is Python's). */
static int
printable_unescaped(const unsigned char *s, Py_ssize_t n)
{
    return printable_scan(s, n, 1);
}

static inline int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline int
is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static inline int
is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static inline int
starts_with(const char *s, Py_ssize_t start, Py_ssize_t end, const char *prefix,
            Py_ssize_t len)
{
    return end - start >= len && memcmp(s + start, prefix, (size_t)len) == 0;
}

static inline int
span_equals(const char *s, Span sp, const char *text, Py_ssize_t len)
{
    return sp.end - sp.start == len && memcmp(s + sp.start, text, (size_t)len) == 0;
}

/* Last index i in [start, end - len] with s[i:i+len] == needle, or -1. */
static Py_ssize_t
rfind(const char *s, Py_ssize_t start, Py_ssize_t end, const char *needle,
      Py_ssize_t len)
{
    for (Py_ssize_t i = end - len; i >= start; i--) {
        if (s[i] == needle[0] && memcmp(s + i, needle, (size_t)len) == 0) {
            return i;
        }
    }
    return -1;
}

static Py_ssize_t
rfind_char(const char *s, Py_ssize_t start, Py_ssize_t end, char c)
{
    for (Py_ssize_t i = end - 1; i >= start; i--) {
        if (s[i] == c) {
            return i;
        }
    }
    return -1;
}

/* A new str from ASCII bytes (the caller checked they are ASCII). */
static PyObject *
ascii_str(const char *s, Py_ssize_t n)
{
    PyObject *u = PyUnicode_New(n, 127);
    if (u != NULL && n > 0) {
        memcpy(PyUnicode_1BYTE_DATA(u), s, (size_t)n);
    }
    return u;
}

static PyObject *
span_str(const char *s, Span sp)
{
    return ascii_str(s + sp.start, sp.end - sp.start);
}

/* ``text[:MAX_FIELD_CHARS] or None`` */
static PyObject *
capped_or_none(const char *s, Span sp)
{
    Py_ssize_t n = sp.end - sp.start;
    if (n == 0) {
        Py_RETURN_NONE;
    }
    return ascii_str(s + sp.start, n > MAX_FIELD_CHARS ? MAX_FIELD_CHARS : n);
}

/* base.clean_field: ``-`` and empty -> None, capped. */
static PyObject *
clean_field(const char *s, Span sp)
{
    if (span_equals(s, sp, "-", 1)) {
        Py_RETURN_NONE;
    }
    return capped_or_none(s, sp);
}

/* Is the ASCII str ``obj`` equal to the bytes ``s[0:n]``? */
static int
str_equals(PyObject *obj, const char *s, Py_ssize_t n)
{
    return obj != NULL && PyUnicode_CheckExact(obj) && PyUnicode_IS_COMPACT_ASCII(obj)
           && PyUnicode_GET_LENGTH(obj) == n
           && memcmp(PyUnicode_1BYTE_DATA(obj), s, (size_t)n) == 0;
}

/* The str for ``s[sp]``, reusing ``*cache`` when it holds the same text. */
static PyObject *
cached_str(PyObject **cache, const char *s, Span sp)
{
    Py_ssize_t n = sp.end - sp.start;
    if (!str_equals(*cache, s + sp.start, n)) {
        PyObject *fresh = ascii_str(s + sp.start, n);
        if (fresh == NULL) {
            return NULL;
        }
        Py_XSETREF(*cache, fresh);
    }
    Py_INCREF(*cache);
    return *cache;
}

/*
 * A bounded intern table for the values that repeat from line to line (paths,
 * user agents, referrers): direct-mapped, one str per slot, a new value
 * replacing the old one.  Repeated values come back as the same str, whose
 * hash CPython then computes once for every dict that looks it up; values
 * longer than INTERN_MAX_LEN are never kept, so the table holds at most
 * INTERN_SLOTS * INTERN_MAX_LEN bytes of text.
 */
#define INTERN_SLOTS 4096 /* a power of two */
#define INTERN_MAX_LEN 512

static inline uint64_t
intern_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n, w;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, (size_t)(n - i));
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

/* The str for ``s[0:n]`` (ASCII), from ``table`` when it holds the same text. */
static PyObject *
interned_str(PyObject **table, const char *s, Py_ssize_t n)
{
    if (n > INTERN_MAX_LEN) {
        return ascii_str(s, n);
    }
    PyObject **slot = &table[intern_hash(s, n) & (INTERN_SLOTS - 1)];
    if (!str_equals(*slot, s, n)) {
        PyObject *fresh = ascii_str(s, n);
        if (fresh == NULL) {
            return NULL;
        }
        Py_XSETREF(*slot, fresh);
    }
    return Py_NewRef(*slot);
}

static PyObject *
interned_span(PyObject **table, const char *s, Span sp)
{
    return interned_str(table, s + sp.start, sp.end - sp.start);
}

/* ``None if value in ("-", "") else value``, interned. */
static PyObject *
interned_or_none(PyObject **table, const char *s, Span sp)
{
    if (sp.end == sp.start || span_equals(s, sp, "-", 1)) {
        Py_RETURN_NONE;
    }
    return interned_span(table, s, sp);
}

/* ``counter[key] += 1`` on a collections.Counter (a dict subclass). */
static int
counter_add(PyObject *counter, PyObject *key)
{
    if (counter == NULL || !PyDict_Check(counter)) {
        PyErr_SetString(PyExc_TypeError, "counter is not a dict");
        return -1;
    }
    PyObject *old = PyDict_GetItemWithError(counter, key);
    if (old == NULL && PyErr_Occurred()) {
        return -1;
    }
    PyObject *one = PyLong_FromLong(1);
    if (one == NULL) {
        return -1;
    }
    PyObject *value = old == NULL ? Py_NewRef(one) : PyNumber_Add(old, one);
    Py_DECREF(one);
    if (value == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(counter, key, value);
    Py_DECREF(value);
    return rc;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int
month_number(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++) {
        if (memcmp(s, names + 3 * i, 3) == 0) {
            return i + 1;
        }
    }
    return 0;
}

static int
two_digits(const char *s, int *out)
{
    if (!is_digit(s[0]) || !is_digit(s[1])) {
        return 0;
    }
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 1;
}

/* -- interned constants ------------------------------------------------- */

static PyObject *S_last_stamp, *S_last_ts, *S_last_minute, *S_minute_base, *S_matched;
static PyObject *S_rfc3164, *S_service, *S_sshd, *S_auth_method, *S_invalid_user, *S_true,
    *S_false, *S_port, *S_preauth, *S_action, *S_disconnect, *S_closed, *S_reset,
    *S_reason, *S_protocol;
static PyObject *P_invalid_user, *P_disconnected, *P_connection_closed,
    *P_connection_reset, *P_failed_other, *P_accepted_other, *P_received_disconnect;

static int
intern_constants(void)
{
#define INTERN(var, text)                                  \
    do {                                                   \
        if ((var = PyUnicode_InternFromString(text)) == NULL) \
            return -1;                                     \
    } while (0)
    INTERN(S_last_stamp, "_last_stamp");
    INTERN(S_last_ts, "_last_ts");
    INTERN(S_last_minute, "_last_minute");
    INTERN(S_minute_base, "_minute_base");
    INTERN(S_matched, "matched");
    INTERN(S_rfc3164, "rfc3164");
    INTERN(S_service, "service");
    INTERN(S_sshd, "sshd");
    INTERN(S_auth_method, "auth_method");
    INTERN(S_invalid_user, "invalid_user");
    INTERN(S_true, "true");
    INTERN(S_false, "false");
    INTERN(S_port, "port");
    INTERN(S_preauth, "preauth");
    INTERN(S_action, "action");
    INTERN(S_disconnect, "disconnect");
    INTERN(S_closed, "closed");
    INTERN(S_reset, "reset");
    INTERN(S_reason, "reason");
    INTERN(S_protocol, "protocol");
    INTERN(P_invalid_user, "sshd.invalid_user");
    INTERN(P_disconnected, "sshd.disconnected");
    INTERN(P_connection_closed, "sshd.connection_closed");
    INTERN(P_connection_reset, "sshd.connection_reset");
    INTERN(P_failed_other, "sshd.failed_other");
    INTERN(P_accepted_other, "sshd.accepted_other");
    INTERN(P_received_disconnect, "sshd.received_disconnect");
#undef INTERN
    return 0;
}

/* -- what both fast paths share ------------------------------------------- */

/*
 * What a fast path does with one line: 1 with ``*out`` the result (an Event,
 * or None for a line it rejected and counted), 0 when the line is the
 * fallback's, -1 with an exception set.  ``ref`` is the line's LineRef.
 */
struct FastBase;
typedef int (*line_fn)(struct FastBase *self, const char *s, Py_ssize_t n, PyObject *ref,
                       PyObject **out);

/* The head of both objects: ``parse(raw)`` dispatch, the reference, counters. */
typedef struct FastBase {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    line_fn line;           /* the per-line fast path */
    PyObject *fallback;     /* the Python parse: the reference */
    PyObject *event_type;   /* records.Event */
    PyObject *rawline_type; /* records.RawLine */
    PyObject *lineref_type; /* records.LineRef */
    Py_ssize_t hits;        /* lines this path parsed (not handed over), ever */
    Py_ssize_t taken;       /* of which take_hits() already reported */
} FastBase;

/*
 * The bytes of ``parse``'s one argument when it is a plain RawLine that is not
 * truncated; NULL otherwise.  ``*raw`` is the argument, or NULL (and an
 * exception set) when the call itself is wrong.
 */
static const char *
raw_bytes(FastBase *self, PyObject *const *args, size_t nargsf, PyObject *kwnames,
          PyObject **rawp, Py_ssize_t *n)
{
    *rawp = NULL;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "parse() takes exactly one argument (raw)");
        return NULL;
    }
    PyObject *raw = *rawp = args[0];
    if ((PyObject *)Py_TYPE(raw) != self->rawline_type || PyTuple_GET_SIZE(raw) != 3
        || PyTuple_GET_ITEM(raw, 2) != Py_False
        || !PyBytes_CheckExact(PyTuple_GET_ITEM(raw, 1))) {
        return NULL;
    }
    *n = PyBytes_GET_SIZE(PyTuple_GET_ITEM(raw, 1));
    return PyBytes_AS_STRING(PyTuple_GET_ITEM(raw, 1));
}

/* ``parse(raw)``: the fast path, or the fallback for what it hands over. */
static PyObject *
fast_call(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FastBase *self = (FastBase *)op;
    PyObject *raw, *out = NULL;
    Py_ssize_t n = 0;
    const char *s = raw_bytes(self, args, nargsf, kwnames, &raw, &n);
    if (s == NULL) {
        return raw == NULL ? NULL : PyObject_CallOneArg(self->fallback, raw);
    }
    int rc = self->line(self, s, n, PyTuple_GET_ITEM(raw, 0), &out);
    if (rc == 0) {
        return PyObject_CallOneArg(self->fallback, raw);
    }
    return rc < 0 ? NULL : out;
}

/*
 * A tuple of the NamedTuple subclass ``type`` from ``size`` new references,
 * stolen even on failure.  This is what tuple.__new__(type, items) does,
 * without the intermediate tuple.
 */
static PyObject *
new_record(PyTypeObject *type, PyObject **items, Py_ssize_t size)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        if (items[i] == NULL) {
            for (Py_ssize_t k = 0; k < size; k++) {
                Py_XDECREF(items[k]);
            }
            return NULL;
        }
    }
#if PY_VERSION_HEX < 0x030E0000
    PyObject *record = type->tp_alloc(type, size);
    if (record == NULL) {
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_DECREF(items[i]);
        }
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyTuple_SET_ITEM(record, i, items[i]);
    }
    return record;
#else
    /* Newer tuples carry state tp_alloc does not set: take the public road. */
    PyObject *plain = PyTuple_New(size);
    if (plain == NULL) {
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_DECREF(items[i]);
        }
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyTuple_SET_ITEM(plain, i, items[i]);
    }
    PyObject *args = PyTuple_Pack(1, plain);
    Py_DECREF(plain);
    if (args == NULL) {
        return NULL;
    }
    PyObject *record = PyTuple_Type.tp_new(type, args, NULL);
    Py_DECREF(args);
    return record;
#endif
}

/*
 * ``parse_block(lines, source, path, offset=0, lineno=0, *, fingerprint="")``:
 * LineParser.parse_block (base.py) in C.  Each line loses one trailing
 * ``\n`` and then one ``\r``, as the file source strips them; its LineRef is
 * built here, and a RawLine only for a line the fallback takes.
 */
static PyObject *
parse_block(PyObject *op, PyObject *args, PyObject *kwds)
{
    FastBase *self = (FastBase *)op;
    static char *kwlist[] = {"lines", "source", "path", "offset", "lineno", "fingerprint", NULL};
    PyObject *lines, *source, *path, *key = NULL;
    Py_ssize_t offset = 0, lineno = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OUU|nn$U:parse_block", kwlist, &lines,
                                     &source, &path, &offset, &lineno, &key)) {
        return NULL;
    }
    if (self->lineref_type == NULL) {
        PyErr_SetString(PyExc_TypeError, "parse_block: not initialised");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(lines, "parse_block: lines must be a sequence of bytes");
    if (seq == NULL) {
        return NULL;
    }
    if (key == NULL) {
        key = PyUnicode_New(0, 0);
        if (key == NULL) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    else {
        Py_INCREF(key);
    }
    PyObject *events = PyList_New(0);
    /* ``seq`` is ``lines`` itself when a list: the fallback (Python) could shrink it. */
    for (Py_ssize_t i = 0; events != NULL && i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "parse_block: a line is %.100s, not bytes",
                         Py_TYPE(item)->tp_name);
            goto error;
        }
        Py_INCREF(item); /* held: the list may drop it meanwhile */
        Py_ssize_t size = PyBytes_GET_SIZE(item), n = size;
        const char *s = PyBytes_AS_STRING(item);
        if (n > 0 && s[n - 1] == '\n') {
            n--;
        }
        if (n > 0 && s[n - 1] == '\r') {
            n--;
        }
        lineno++;
        PyObject *fields[5] = {Py_NewRef(source), Py_NewRef(path), PyLong_FromSsize_t(offset),
                               PyLong_FromSsize_t(lineno), Py_NewRef(key)};
        PyObject *ref = new_record((PyTypeObject *)self->lineref_type, fields, 5);
        PyObject *event = NULL;
        int rc = ref != NULL ? self->line(self, s, n, ref, &event) : -1;
        if (rc == 0) {
            PyObject *parts[3] = {Py_NewRef(ref),
                                  n == size && PyBytes_CheckExact(item)
                                      ? Py_NewRef(item)
                                      : PyBytes_FromStringAndSize(s, n),
                                  Py_NewRef(Py_False)};
            PyObject *raw = new_record((PyTypeObject *)self->rawline_type, parts, 3);
            event = raw != NULL ? PyObject_CallOneArg(self->fallback, raw) : NULL;
            Py_XDECREF(raw);
            rc = event != NULL ? 1 : -1;
        }
        Py_XDECREF(ref);
        Py_DECREF(item);
        if (rc < 0) {
            goto error;
        }
        offset += size;
        if (event != Py_None && PyList_Append(events, event) < 0) {
            Py_DECREF(event);
            goto error;
        }
        Py_DECREF(event);
    }
    Py_DECREF(seq);
    Py_DECREF(key);
    if (events == NULL) {
        return NULL;
    }
    return Py_BuildValue("(Nnn)", events, offset, lineno);
error:
    Py_DECREF(seq);
    Py_DECREF(key);
    Py_XDECREF(events);
    return NULL;
}

static int
base_init(FastBase *self, PyObject *fallback, PyObject *event_type, PyObject *rawline_type,
          PyObject *lineref_type, line_fn line)
{
    if (!PyType_IsSubtype((PyTypeObject *)event_type, &PyTuple_Type)
        || !PyType_IsSubtype((PyTypeObject *)rawline_type, &PyTuple_Type)
        || !PyType_IsSubtype((PyTypeObject *)lineref_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "Event, RawLine and LineRef must be tuple types");
        return -1;
    }
    Py_XSETREF(self->fallback, Py_NewRef(fallback));
    Py_XSETREF(self->event_type, Py_NewRef(event_type));
    Py_XSETREF(self->rawline_type, Py_NewRef(rawline_type));
    Py_XSETREF(self->lineref_type, Py_NewRef(lineref_type));
    self->vectorcall = fast_call;
    self->line = line;
    return 0;
}

static int
base_traverse(FastBase *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fallback);
    Py_VISIT(self->event_type);
    Py_VISIT(self->rawline_type);
    Py_VISIT(self->lineref_type);
    return 0;
}

static void
base_clear(FastBase *self)
{
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->event_type);
    Py_CLEAR(self->rawline_type);
    Py_CLEAR(self->lineref_type);
}

static PyObject *
take_hits(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    FastBase *self = (FastBase *)op;
    Py_ssize_t fresh = self->hits - self->taken;
    self->taken = self->hits;
    return PyLong_FromSsize_t(fresh);
}

static PyMethodDef fast_methods[] = {
    {"take_hits", take_hits, METH_NOARGS, "Lines this path parsed since the last call."},
    {"parse_block", (PyCFunction)(void (*)(void))parse_block, METH_VARARGS | METH_KEYWORDS,
     "parse_block(lines, source, path, offset=0, lineno=0, *, fingerprint='')"
     " -> (events, offset, lineno): LineParser.parse_block."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef fast_members[] = {
    {"hits", T_PYSSIZET, offsetof(FastBase, hits), READONLY,
     "Lines this path parsed (not handed to the fallback), ever."},
    {NULL, 0, 0, 0, NULL},
};

/* ======================================================================= */
/* CombinedFast                                                            */
/* ======================================================================= */

#define MAX_METHODS 16

typedef struct {
    FastBase base;
    PyObject *kind; /* EventKind.HTTP_REQUEST */
    PyObject *source;
    PyObject *host;
    PyObject *metrics;   /* EMPTY_METRICS */
    PyObject *protocols; /* logformat.PROTOCOL_EXTRA */
    PyObject *methods[MAX_METHODS]; /* the interned method names */
    int n_methods;
    char last_stamp[CLF_STAMP_LEN];
    PyObject *last_ts;       /* float for last_stamp, or NULL */
    PyObject *last_protocol; /* str, key of last_extra */
    PyObject *last_extra;    /* shared mapping from PROTOCOL_EXTRA */
    PyObject *interned[INTERN_SLOTS]; /* see interned_str */
} CombinedFast;

typedef struct {
    Span ip, user, stamp, method, path, query, protocol, status, size, referrer, agent;
    int has_query;
} CombinedFields;

/* The end of the run of at most ``cap`` bytes from ``i`` that are not ``stop``. */
static inline Py_ssize_t
run_until(const char *s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t cap, char stop)
{
    Py_ssize_t limit = n - i < cap ? n : i + cap;
    const char *hit = i < limit ? memchr(s + i, stop, (size_t)(limit - i)) : NULL;
    return hit != NULL ? hit - s : (i > limit ? i : limit);
}

/* The same for a run of bytes that are none of ``"``, `` `` and (if ``query``) ``?``. */
static inline Py_ssize_t
run_until_target(const char *s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t cap, int query)
{
    Py_ssize_t limit = n - i < cap ? n : i + cap;
    while (i < limit && s[i] != '"' && s[i] != ' ' && (s[i] != '?' || !query)) {
        i++;
    }
    return i;
}

/* A non-empty run of non-space bytes followed by a space; the index after it. */
static inline Py_ssize_t
token(const char *s, Py_ssize_t i, Py_ssize_t n, Span *out)
{
    Py_ssize_t j = i;
    while (j < n && s[j] != ' ') {
        j++;
    }
    if (j == i || j >= n) {
        return -1;
    }
    out->start = i;
    out->end = j;
    return j + 1;
}

/*
 * The strict combined pattern of access.py (_COMBINED_STRICT), on printable
 * ASCII where \S is "not a space".  Every quantifier there is possessive or
 * followed by a byte it excludes, so one forward pass decides the match.
 */
static int
scan_combined(const char *s, Py_ssize_t n, CombinedFields *f)
{
    Span ident;
    Py_ssize_t i = 0, j;
    if ((i = token(s, i, n, &f->ip)) < 0 || (i = token(s, i, n, &ident)) < 0
        || (i = token(s, i, n, &f->user)) < 0) {
        return 0;
    }
    if (i >= n || s[i] != '[') {
        return 0;
    }
    j = run_until(s, ++i, n, 40, ']');
    if (j - i < 26 || !starts_with(s, j, n, "] \"", 3)) {
        return 0;
    }
    f->stamp = (Span){i, j};
    i = j + 3;
    for (j = i; j < n && j - i < 32 && is_upper(s[j]); j++) {
    }
    if (j == i || j >= n || s[j] != ' ') {
        return 0;
    }
    f->method = (Span){i, j};
    i = j + 1;
    j = run_until_target(s, i, n, MAX_FIELD_CHARS, 1);
    if (j == i || j >= n) {
        return 0;
    }
    f->path = (Span){i, j};
    f->query = (Span){0, 0};
    f->has_query = s[j] == '?';
    if (f->has_query) {
        i = j + 1;
        j = run_until_target(s, i, n, MAX_FIELD_CHARS, 0);
        f->query = (Span){i, j};
    }
    if (!starts_with(s, j, n, " HTTP/", 6)) {
        return 0;
    }
    i = j + 1;
    for (j = i + 5; j < n && j - (i + 5) < 3 && (is_digit(s[j]) || s[j] == '.'); j++) {
    }
    if (j == i + 5 || !starts_with(s, j, n, "\" ", 2)) {
        return 0;
    }
    f->protocol = (Span){i, j};
    i = j + 2;
    if (n - i < 4 || s[i] < '1' || s[i] > '9' || !is_digit(s[i + 1]) || !is_digit(s[i + 2])
        || s[i + 3] != ' ') {
        return 0;
    }
    f->status = (Span){i, i + 3};
    i += 4;
    for (j = i; j < n && j - i < 18 && is_digit(s[j]); j++) {
    }
    if (j == i || !starts_with(s, j, n, " \"", 2)) {
        return 0;
    }
    f->size = (Span){i, j};
    i = j + 2;
    j = run_until(s, i, n, MAX_FIELD_CHARS, '"');
    if (!starts_with(s, j, n, "\" \"", 3)) {
        return 0;
    }
    f->referrer = (Span){i, j};
    i = j + 3;
    j = run_until(s, i, n, MAX_FIELD_CHARS, '"');
    if (j != n - 1 || s[j] != '"') {
        return 0;
    }
    f->agent = (Span){i, j};
    return 1;
}

/*
 * Epoch seconds of ``dd/Mon/yyyy:HH:MM:SS +hhmm`` exactly as
 * timestamps.ClfTimeParser computes them; 0 for anything else (fractions,
 * odd offsets, out-of-range fields), which the Python path then handles.
 */
static int
clf_epoch(const char *t, double *out)
{
    int day, hour, minute, second, year_hi, year_lo, off_h, off_m;
    int month = month_number(t + 3);
    if (t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' || t[17] != ':'
        || t[20] != ' ' || (t[21] != '+' && t[21] != '-') || month == 0
        || !two_digits(t, &day) || !two_digits(t + 7, &year_hi)
        || !two_digits(t + 9, &year_lo) || !two_digits(t + 12, &hour)
        || !two_digits(t + 15, &minute) || !two_digits(t + 18, &second)
        || !two_digits(t + 22, &off_h) || !two_digits(t + 24, &off_m)) {
        return 0;
    }
    int year = year_hi * 100 + year_lo;
    if (hour > 23 || minute > 59 || second > 60 || day < 1 || day > 31 || year < 1
        || off_h > 23 || off_m > 59) {
        return 0;
    }
    /* calendar.timegm rolls 31 Feb over into March: so does this. */
    long long days = days_from_civil(year, (unsigned)month, 1) + day - 1;
    double offset = (double)(off_h * 3600 + off_m * 60);
    double base = (double)(days * 86400) - (t[21] == '+' ? offset : -offset);
    double ts = base + (double)(hour * 3600 + minute * 60 + second) + 0.0;
    if (!(ts >= MIN_TS && ts < MAX_TS)) {
        return 0;
    }
    *out = ts;
    return 1;
}

static PyObject *
combined_method(CombinedFast *self, const char *s, Span sp)
{
    for (int i = 0; i < self->n_methods; i++) {
        if (str_equals(self->methods[i], s + sp.start, sp.end - sp.start)) {
            return Py_NewRef(self->methods[i]);
        }
    }
    return span_str(s, sp);
}

/* ``protocols.get(protocol) or protocol_extra(protocol)`` */
static PyObject *
combined_extra(CombinedFast *self, const char *s, Span sp)
{
    if (self->last_extra != NULL
        && str_equals(self->last_protocol, s + sp.start, sp.end - sp.start)) {
        return Py_NewRef(self->last_extra);
    }
    PyObject *protocol = span_str(s, sp);
    if (protocol == NULL) {
        return NULL;
    }
    PyObject *shared = PyDict_GetItemWithError(self->protocols, protocol);
    if (shared != NULL) {
        /* Shared, read-only mappings only: a per-event dict must stay per event. */
        Py_XSETREF(self->last_protocol, protocol);
        Py_XSETREF(self->last_extra, Py_NewRef(shared));
        return Py_NewRef(shared);
    }
    PyObject *extra = PyErr_Occurred() ? NULL : PyDict_New();
    if (extra != NULL && PyDict_SetItem(extra, S_protocol, protocol) < 0) {
        Py_CLEAR(extra);
    }
    Py_DECREF(protocol);
    return extra;
}

static long long
decimal(const char *s, Span sp)
{
    long long value = 0;
    for (Py_ssize_t i = sp.start; i < sp.end; i++) {
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

static PyObject *
combined_event(CombinedFast *self, PyObject *ref, const char *s, const CombinedFields *f,
               PyObject *ts)
{
    PyObject *items[EVENT_FIELDS];
    items[0] = Py_NewRef(ts);
    items[1] = Py_NewRef(self->kind);
    items[2] = Py_NewRef(self->source);
    items[3] = Py_NewRef(self->host);
    items[4] = span_equals(s, f->ip, "-", 1) ? Py_NewRef(Py_None) : span_str(s, f->ip);
    items[5] = span_equals(s, f->user, "-", 1) ? Py_NewRef(Py_None) : span_str(s, f->user);
    items[6] = combined_method(self, s, f->method);
    items[7] = interned_span(self->interned, s, f->path);
    items[8] = f->has_query && f->query.end > f->query.start ? span_str(s, f->query)
                                                              : Py_NewRef(Py_None);
    items[9] = PyLong_FromLongLong(decimal(s, f->status));
    items[10] = PyLong_FromLongLong(decimal(s, f->size));
    items[11] = Py_NewRef(Py_None);
    items[12] = interned_or_none(self->interned, s, f->agent);
    items[13] = interned_or_none(self->interned, s, f->referrer);
    for (int i = 14; i < 18; i++) {
        items[i] = Py_NewRef(Py_None);
    }
    items[18] = Py_NewRef(self->metrics);
    items[19] = Py_NewRef(ref);
    items[20] = combined_extra(self, s, f->protocol);
    return new_record((PyTypeObject *)self->base.event_type, items, EVENT_FIELDS);
}

static int
combined_line(FastBase *base, const char *s, Py_ssize_t n, PyObject *ref, PyObject **out)
{
    CombinedFast *self = (CombinedFast *)base;
    CombinedFields f;
    /* The scan first: on hostile lines it fails early, so handing them over is cheap. */
    if (!scan_combined(s, n, &f) || !printable_unescaped((const unsigned char *)s, n)) {
        return 0;
    }
    const char *stamp = s + f.stamp.start;
    if (self->last_ts == NULL || f.stamp.end - f.stamp.start != CLF_STAMP_LEN
        || memcmp(self->last_stamp, stamp, CLF_STAMP_LEN) != 0) {
        double ts;
        if (f.stamp.end - f.stamp.start != CLF_STAMP_LEN || !clf_epoch(stamp, &ts)) {
            return 0;
        }
        PyObject *value = PyFloat_FromDouble(ts);
        if (value == NULL) {
            return -1;
        }
        Py_XSETREF(self->last_ts, value);
        memcpy(self->last_stamp, stamp, CLF_STAMP_LEN);
    }
    *out = combined_event(self, ref, s, &f, self->last_ts);
    if (*out == NULL) {
        return -1;
    }
    self->base.hits++;
    return 1;
}

static int
combined_init(PyObject *op, PyObject *args, PyObject *kwds)
{
    CombinedFast *self = (CombinedFast *)op;
    static char *kwlist[] = {"fallback", "event_type", "rawline_type", "lineref_type", "kind",
                             "source",   "host",       "metrics",      "protocols",    "methods",
                             NULL};
    PyObject *fallback, *event_type, *rawline_type, *lineref_type, *kind, *source, *host,
        *metrics, *protocols, *methods;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O!O!OOOOO!O!:CombinedFast", kwlist,
                                     &fallback, &PyType_Type, &event_type, &PyType_Type,
                                     &rawline_type, &PyType_Type, &lineref_type, &kind, &source,
                                     &host, &metrics, &PyDict_Type, &protocols, &PyDict_Type,
                                     &methods)) {
        return -1;
    }
    if (base_init(&self->base, fallback, event_type, rawline_type, lineref_type, combined_line)
        < 0) {
        return -1;
    }
    Py_XSETREF(self->kind, Py_NewRef(kind));
    Py_XSETREF(self->source, Py_NewRef(source));
    Py_XSETREF(self->host, Py_NewRef(host));
    Py_XSETREF(self->metrics, Py_NewRef(metrics));
    Py_XSETREF(self->protocols, Py_NewRef(protocols));
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (self->n_methods < MAX_METHODS && PyDict_Next(methods, &pos, &key, &value)) {
        if (PyUnicode_CheckExact(value) && PyUnicode_IS_COMPACT_ASCII(value)) {
            self->methods[self->n_methods++] = Py_NewRef(value);
        }
    }
    return 0;
}

static int
combined_traverse(PyObject *op, visitproc visit, void *arg)
{
    CombinedFast *self = (CombinedFast *)op;
    Py_VISIT(self->kind);
    Py_VISIT(self->source);
    Py_VISIT(self->host);
    Py_VISIT(self->metrics);
    Py_VISIT(self->protocols);
    Py_VISIT(self->last_extra);
    return base_traverse(&self->base, visit, arg);
}

static int
combined_clear(PyObject *op)
{
    CombinedFast *self = (CombinedFast *)op;
    base_clear(&self->base);
    Py_CLEAR(self->kind);
    Py_CLEAR(self->source);
    Py_CLEAR(self->host);
    Py_CLEAR(self->metrics);
    Py_CLEAR(self->protocols);
    for (int i = 0; i < self->n_methods; i++) {
        Py_CLEAR(self->methods[i]);
    }
    self->n_methods = 0;
    Py_CLEAR(self->last_ts);
    Py_CLEAR(self->last_protocol);
    Py_CLEAR(self->last_extra);
    for (int i = 0; i < INTERN_SLOTS; i++) {
        Py_CLEAR(self->interned[i]);
    }
    return 0;
}

static void
combined_dealloc(PyObject *op)
{
    PyObject_GC_UnTrack(op);
    combined_clear(op);
    Py_TYPE(op)->tp_free(op);
}

static PyTypeObject CombinedFastType = {
    .ob_base = PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sentinel.parsers._speedups.CombinedFast",
    .tp_basicsize = sizeof(CombinedFast),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Combined access-log fast path: parse(raw) -> Event | None.",
    .tp_new = PyType_GenericNew,
    .tp_init = combined_init,
    .tp_dealloc = combined_dealloc,
    .tp_traverse = combined_traverse,
    .tp_clear = combined_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FastBase, vectorcall),
    .tp_methods = fast_methods,
    .tp_members = fast_members,
};

/* ======================================================================= */
/* SyslogFast                                                              */
/* ======================================================================= */

typedef struct {
    FastBase base;
    PyObject *state;             /* the parser's __dict__ (time state, matched) */
    PyObject *programs;          /* program -> classifier handler */
    PyObject *sshd_handlers;     /* tuple: the handlers this file classifies itself */
    PyObject *classify_unlisted; /* ProgramClassifier.classify_unlisted */
    PyObject *normalize_ip;      /* auth.normalize_ip (IPv6 goes there) */
    PyObject *on_error;          /* counts an exception like the Python path */
    PyObject *kind_syslog, *kind_failure, *kind_success, *kind_other;
    PyObject *source;
    PyObject *metrics;     /* EMPTY_METRICS */
    PyObject *empty_extra; /* EMPTY_EXTRA */
    PyObject *failed_patterns, *accepted_patterns; /* auth method -> pattern */
    PyObject *last_host, *last_program;            /* one-entry str caches */
} SyslogFast;

typedef struct {
    Span stamp, host, program, pid, message;
    int has_pid;
} SyslogFields;

static inline int
tag_char(char c)
{
    return c != ' ' && c != '[' && c != ']' && c != ':';
}

/*
 * syslog.py's _BSD pattern on printable ASCII.  Its bounded repeats are
 * followed by a byte they exclude, so backtracking can never find another
 * split: the maximal run is the only candidate.
 */
static int
scan_bsd(const char *s, Py_ssize_t n, SyslogFields *f)
{
    if (n < SYSLOG_STAMP_LEN + 1 || !is_upper(s[0]) || !is_lower(s[1]) || !is_lower(s[2])
        || s[3] != ' ' || (s[4] != ' ' && !is_digit(s[4])) || !is_digit(s[5])
        || s[6] != ' ' || !is_digit(s[7]) || !is_digit(s[8]) || s[9] != ':'
        || !is_digit(s[10]) || !is_digit(s[11]) || s[12] != ':' || !is_digit(s[13])
        || !is_digit(s[14]) || s[15] != ' ') {
        return 0;
    }
    f->stamp = (Span){0, SYSLOG_STAMP_LEN};
    Py_ssize_t i = SYSLOG_STAMP_LEN + 1, j = i;
    while (j < n && tag_char(s[j])) {
        j++;
    }
    if (j == i || j - i > 255 || j >= n || s[j] != ' ') {
        return 0;
    }
    f->host = (Span){i, j};
    i = j + 1;
    for (j = i; j < n && tag_char(s[j]); j++) {
    }
    if (j == i || j - i > 64 || j >= n) {
        return 0;
    }
    f->program = (Span){i, j};
    f->pid = (Span){0, 0};
    f->has_pid = s[j] == '[';
    if (f->has_pid) {
        i = j + 1;
        for (j = i; j < n && is_digit(s[j]); j++) {
        }
        if (j == i || j - i > 10 || j >= n || s[j] != ']') {
            return 0;
        }
        f->pid = (Span){i, j};
        j++;
    }
    if (!starts_with(s, j, n, ": ", 2)) {
        return 0;
    }
    f->message = (Span){j + 2, n};
    return 1;
}

/* -- sshd classification (auth.py ProgramClassifier.sshd and helpers) --- */

typedef struct {
    PyObject *kind;    /* borrowed */
    PyObject *user;    /* new */
    PyObject *ip;      /* new */
    PyObject *extra;   /* new */
    PyObject *pattern; /* borrowed */
} Auth;

static void
auth_clear(Auth *a)
{
    Py_CLEAR(a->user);
    Py_CLEAR(a->ip);
    Py_CLEAR(a->extra);
}

static inline int
ip_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
           || c == '.';
}

/* auth.normalize_ip: IPv4 here (canonical text is the input), IPv6 in Python. */
static PyObject *
normalize_ip(SyslogFast *self, const char *s, Span sp)
{
    Py_ssize_t n = sp.end - sp.start;
    if (n == 0 || n > 45) {
        Py_RETURN_NONE;
    }
    const char *t = s + sp.start;
    if (memchr(t, ':', (size_t)n) != NULL) {
        PyObject *text = ascii_str(t, n);
        if (text == NULL) {
            return NULL;
        }
        PyObject *ip = PyObject_CallOneArg(self->normalize_ip, text);
        Py_DECREF(text);
        return ip;
    }
    /* ipaddress.IPv4Address: four decimal octets <= 255, no leading zeros. */
    int octets = 0, digits = 0, value = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || t[i] == '.') {
            if (digits == 0 || value > 255 || (digits > 1 && t[i - digits] == '0')) {
                Py_RETURN_NONE;
            }
            octets++;
            digits = value = 0;
        }
        else if (is_digit(t[i]) && digits < 3) {
            value = value * 10 + (t[i] - '0');
            digits++;
        }
        else {
            Py_RETURN_NONE;
        }
    }
    if (octets != 4) {
        Py_RETURN_NONE;
    }
    return ascii_str(t, n);
}

/*
 * auth._split_from when the last `` from `` is followed by an IP-like token:
 * 0 for anything else (a host name, an earlier `` from `` in an
 * attacker-chosen user name), which the Python classifier decides.  The
 * caller hands the line over too when the token is no IP.
 */
static int
split_from(const char *s, Py_ssize_t n, Py_ssize_t start, Span *user, Span *ip, Span *port)
{
    Py_ssize_t at = rfind(s, start, n, " from ", 6);
    if (at < 0) {
        return 0;
    }
    /* An IP and port fit in 72 bytes; a longer run is no IP. */
    Py_ssize_t window = n - at < 72 ? n : at + 72;
    Py_ssize_t q = at + 6;
    while (q < window && ip_char(s[q])) {
        q++;
    }
    Py_ssize_t len = q - (at + 6);
    if (len < 2 || len > 45 || (q != window && s[q] != ' ')) {
        return 0;
    }
    *user = (Span){start, at};
    *ip = (Span){at + 6, q};
    *port = (Span){0, 0};
    if (starts_with(s, q, window, " port ", 6)) {
        Py_ssize_t d = q + 6, e = d;
        while (e < window && is_digit(s[e])) {
            e++;
        }
        if (e > d && e - d <= 5 && (e == window || s[e] == ' ')) {
            *port = (Span){d, e};
        }
    }
    return 1;
}

static int
set_span(PyObject *dict, PyObject *key, const char *s, Span sp)
{
    PyObject *value = span_str(s, sp);
    if (value == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* A dict {"service": "sshd", key: value} (value may be NULL: service only). */
static PyObject *
sshd_extra(PyObject *key, PyObject *value)
{
    PyObject *extra = PyDict_New();
    if (extra == NULL) {
        return NULL;
    }
    if (PyDict_SetItem(extra, S_service, S_sshd) < 0
        || (value != NULL && PyDict_SetItem(extra, key, value) < 0)) {
        Py_DECREF(extra);
        return NULL;
    }
    return extra;
}

/* "Failed|Accepted METHOD for [invalid user ]USER from IP[ port N]...". */
static int
sshd_attempt(SyslogFast *self, const char *s, Py_ssize_t n, int failed, Auth *out)
{
    Py_ssize_t i = failed ? 7 : 9, j = i;
    while (j < n && s[j] != ' ') {
        j++;
    }
    if (j == i || j - i > 64 || !starts_with(s, j, n, " for ", 5)) {
        return 0;
    }
    Span method = {i, j}, user, ip, port;
    int invalid = starts_with(s, j + 5, n, "invalid user ", 13);
    if (!split_from(s, n, j + 5 + (invalid ? 13 : 0), &user, &ip, &port)) {
        return 0;
    }
    if ((out->ip = normalize_ip(self, s, ip)) == NULL) {
        return -1;
    }
    if (out->ip == Py_None) {
        Py_CLEAR(out->ip); /* no IP: a host name, or junk (Python decides) */
        return 0;
    }
    const char *slash = memchr(s + method.start, '/', (size_t)(method.end - method.start));
    if (slash != NULL) {
        method.end = slash - s; /* "keyboard-interactive/pam" */
    }
    PyObject *method_str = span_str(s, method);
    if (method_str == NULL) {
        return -1;
    }
    out->extra = sshd_extra(S_auth_method, method_str);
    if (out->extra == NULL
        || PyDict_SetItem(out->extra, S_invalid_user, invalid ? S_true : S_false) < 0
        || (port.end > port.start && set_span(out->extra, S_port, s, port) < 0)) {
        Py_DECREF(method_str);
        return -1;
    }
    PyObject *patterns = failed ? self->failed_patterns : self->accepted_patterns;
    PyObject *pattern = PyDict_GetItemWithError(patterns, method_str);
    Py_DECREF(method_str);
    if (pattern == NULL && PyErr_Occurred()) {
        return -1;
    }
    out->pattern =
        pattern != NULL ? pattern : (failed ? P_failed_other : P_accepted_other);
    out->kind = failed ? self->kind_failure : self->kind_success;
    if ((out->user = capped_or_none(s, user)) == NULL) {
        return -1;
    }
    return 1;
}

/* "Invalid user USER from IP[ port N]" */
static int
sshd_invalid(SyslogFast *self, const char *s, Py_ssize_t n, Auth *out)
{
    Span user, ip, port;
    if (!starts_with(s, 0, n, "Invalid user ", 13) || !split_from(s, n, 13, &user, &ip, &port)) {
        return 0;
    }
    if ((out->ip = normalize_ip(self, s, ip)) == NULL) {
        return -1;
    }
    if (out->ip == Py_None) {
        Py_CLEAR(out->ip); /* no IP: a host name, or junk (Python decides) */
        return 0;
    }
    out->extra = sshd_extra(S_invalid_user, S_true);
    if (out->extra == NULL
        || (port.end > port.start && set_span(out->extra, S_port, s, port) < 0)) {
        return -1;
    }
    out->kind = self->kind_failure;
    out->pattern = P_invalid_user;
    if ((out->user = capped_or_none(s, user)) == NULL) {
        return -1;
    }
    return 1;
}

/* auth._user_and_flag: the user of "invalid user X", "authenticating user X", "user X", "X". */
static PyObject *
user_and_flag(const char *s, Span head, int *invalid)
{
    *invalid = 0;
    if (starts_with(s, head.start, head.end, "invalid user ", 13)) {
        *invalid = 1;
        head.start += 13;
    }
    else if (starts_with(s, head.start, head.end, "authenticating user ", 20)) {
        head.start += 20;
    }
    else if (starts_with(s, head.start, head.end, "user ", 5)) {
        head.start += 5;
    }
    return clean_field(s, head);
}

/*
 * auth._user_ip_port on s[sp]: ``[USER-HEAD ]IP[ port N]`` split at its last
 * three spaces (str.rsplit(" ", 3)).  Fills the Auth's user and ip.
 */
static int
user_ip_port(SyslogFast *self, const char *s, Span sp, Auth *out, int *invalid, Span *port)
{
    Py_ssize_t s1 = rfind_char(s, sp.start, sp.end, ' ');
    Py_ssize_t s2 = s1 < 0 ? -1 : rfind_char(s, sp.start, s1, ' ');
    Py_ssize_t s3 = s2 < 0 ? -1 : rfind_char(s, sp.start, s2, ' ');
    Span head = {sp.start, sp.start}, ip;
    *port = (Span){0, 0};
    if (s2 >= 0 && span_equals(s, (Span){s2 + 1, s1}, "port", 4)) {
        *port = (Span){s1 + 1, sp.end};
        if (s3 >= 0) {
            ip = (Span){s3 + 1, s2};
            head = (Span){sp.start, s3};
        }
        else {
            ip = (Span){sp.start, s2};
        }
        for (Py_ssize_t i = port->start; i < port->end; i++) {
            if (!is_digit(s[i])) {
                *port = (Span){0, 0};
                break;
            }
        }
    }
    else if (s1 >= 0) {
        head = (Span){sp.start, s1};
        ip = (Span){s1 + 1, sp.end};
    }
    else {
        ip = sp;
    }
    *invalid = 0;
    if (head.end > head.start) {
        out->user = user_and_flag(s, head, invalid);
    }
    else {
        out->user = Py_NewRef(Py_None);
    }
    if (out->user == NULL || (out->ip = normalize_ip(self, s, ip)) == NULL) {
        return -1;
    }
    return 0;
}

/* auth._with plus the invalid_user flag, on an {"service", "action"} dict. */
static PyObject *
action_extra(PyObject *action, const char *s, Span port, int preauth, int invalid)
{
    PyObject *extra = sshd_extra(S_action, action);
    if (extra == NULL || (port.end > port.start && set_span(extra, S_port, s, port) < 0)
        || (preauth && PyDict_SetItem(extra, S_preauth, S_true) < 0)
        || (invalid && PyDict_SetItem(extra, S_invalid_user, S_true) < 0)) {
        Py_XDECREF(extra);
        return NULL;
    }
    return extra;
}

/* "Disconnected from ..." and "Connection closed|reset by ..." ([preauth] optional). */
static int
sshd_session_end(SyslogFast *self, const char *s, Py_ssize_t n, Auth *out)
{
    Py_ssize_t end = n;
    int preauth = n >= 10 && memcmp(s + n - 10, " [preauth]", 10) == 0;
    if (preauth) {
        end -= 10;
    }
    Span rest;
    PyObject *action, *pattern;
    if (starts_with(s, 0, end, "Disconnected from ", 18)) {
        rest = (Span){18, end};
        action = S_disconnect;
        pattern = P_disconnected;
    }
    else if (starts_with(s, 0, end, "Connection closed by ", 21)) {
        rest = (Span){21, end};
        action = S_closed;
        pattern = P_connection_closed;
    }
    else if (starts_with(s, 0, end, "Connection reset by ", 20)) {
        rest = (Span){20, end};
        action = S_reset;
        pattern = P_connection_reset;
    }
    else {
        return 0;
    }
    if (pattern != P_disconnected && span_equals(s, rest, "peer", 4)) {
        return 0;
    }
    int invalid;
    Span port;
    if (user_ip_port(self, s, rest, out, &invalid, &port) < 0) {
        return -1;
    }
    if (out->ip == Py_None) {
        auth_clear(out); /* no IP: a host name, or junk (Python decides) */
        return 0;
    }
    out->extra = action_extra(action, s, port, preauth, invalid);
    if (out->extra == NULL) {
        return -1;
    }
    out->kind = self->kind_other;
    out->pattern = pattern;
    return 1;
}

/* "Received disconnect from IP port N:11: Bye Bye [preauth]" */
static int
sshd_received(SyslogFast *self, const char *s, Py_ssize_t n, Auth *out)
{
    Py_ssize_t end = n;
    int preauth = n >= 10 && memcmp(s + n - 10, " [preauth]", 10) == 0;
    if (preauth) {
        end -= 10;
    }
    if (!starts_with(s, 0, end, "Received disconnect from ", 25)) {
        return 0;
    }
    /* auth._sshd_received: "ADDR: 11: ..." or "ADDR port N:11: ...", ADDR maybe IPv6 */
    const char *space = memchr(s + 25, ' ', (size_t)(end - 25));
    Py_ssize_t where_end = end;
    Span reason = {end, end};
    if (space != NULL && space > s + 25 && space[-1] == ':') {
        where_end = space - s - 1;
        reason.start = space - s + 1;
    }
    else if (space != NULL) {
        const char *colon = memchr(space, ':', (size_t)(end - (space - s)));
        if (colon != NULL) {
            where_end = colon - s;
            reason.start = where_end + 1;
        }
    }
    Py_ssize_t sp1 = -1, sp2 = -1, spaces = 0;
    for (Py_ssize_t i = 25; i < where_end; i++) {
        if (s[i] == ' ') {
            if (++spaces == 1) {
                sp1 = i;
            }
            else if (spaces == 2) {
                sp2 = i;
            }
        }
    }
    Span ip = {25, spaces > 0 ? sp1 : where_end}, port = {0, 0};
    if (spaces == 2 && span_equals(s, (Span){sp1 + 1, sp2}, "port", 4) && sp2 + 1 < where_end) {
        port = (Span){sp2 + 1, where_end};
        for (Py_ssize_t i = port.start; i < port.end; i++) {
            if (!is_digit(s[i])) {
                port = (Span){0, 0};
                break;
            }
        }
    }
    while (reason.start < reason.end && s[reason.start] == ' ') {
        reason.start++;
    }
    while (reason.end > reason.start && s[reason.end - 1] == ' ') {
        reason.end--;
    }
    if (reason.end - reason.start > 200) {
        reason.end = reason.start + 200; /* auth._detail */
    }
    if ((out->ip = normalize_ip(self, s, ip)) == NULL) {
        return -1;
    }
    if (out->ip == Py_None) {
        Py_CLEAR(out->ip); /* no IP: a host name, or junk (Python decides) */
        return 0;
    }
    out->extra = action_extra(S_disconnect, s, port, preauth, 0);
    if (out->extra == NULL || set_span(out->extra, S_reason, s, reason) < 0) {
        return -1;
    }
    out->kind = self->kind_other;
    out->pattern = P_received_disconnect;
    out->user = Py_NewRef(Py_None);
    return 1;
}

/*
 * ProgramClassifier.sshd for the shapes brute force produces: 1 with ``out``
 * filled, 0 when the Python classifier must decide (anything else), -1 on error.
 */
static int
sshd_classify(SyslogFast *self, const char *s, Py_ssize_t n, Auth *out)
{
    const char *space = memchr(s, ' ', (size_t)n);
    Py_ssize_t word = space != NULL && space > s ? space - s : n;
    Span w = {0, word};
    if (span_equals(s, w, "Failed", 6)) {
        return sshd_attempt(self, s, n, 1, out);
    }
    if (span_equals(s, w, "Accepted", 8)) {
        return sshd_attempt(self, s, n, 0, out);
    }
    if (span_equals(s, w, "Invalid", 7)) {
        return sshd_invalid(self, s, n, out);
    }
    if (span_equals(s, w, "Disconnected", 12) || span_equals(s, w, "Connection", 10)) {
        return sshd_session_end(self, s, n, out);
    }
    if (span_equals(s, w, "Received", 8)) {
        return sshd_received(self, s, n, out);
    }
    return 0;
}

/* -- the syslog line ------------------------------------------------------ */

/*
 * The event time, as SyslogParser.parse computes it from its per-second and
 * per-minute state (kept in the parser's __dict__, shared with the Python
 * path).  Returns a new float, or NULL without an error when only the Python
 * path may decide (a new minute needs the year inference).
 */
static PyObject *
syslog_time(SyslogFast *self, const char *stamp)
{
    PyObject *state = self->state;
    PyObject *last = PyDict_GetItemWithError(state, S_last_stamp);
    if (str_equals(last, stamp, SYSLOG_STAMP_LEN)) {
        PyObject *ts = PyDict_GetItemWithError(state, S_last_ts);
        return ts != NULL && PyFloat_CheckExact(ts) ? Py_NewRef(ts) : NULL;
    }
    PyObject *minute = PyDict_GetItemWithError(state, S_last_minute);
    PyObject *base = PyDict_GetItemWithError(state, S_minute_base);
    if (!str_equals(minute, stamp, 13) || base == NULL || !PyFloat_CheckExact(base)) {
        return NULL;
    }
    int second = (stamp[13] - '0') * 10 + (stamp[14] - '0');
    PyObject *ts = PyFloat_FromDouble(PyFloat_AS_DOUBLE(base) + (double)second);
    PyObject *text = ts != NULL ? ascii_str(stamp, SYSLOG_STAMP_LEN) : NULL;
    if (text == NULL || PyDict_SetItem(state, S_last_stamp, text) < 0
        || PyDict_SetItem(state, S_last_ts, ts) < 0) {
        Py_XDECREF(text);
        Py_XDECREF(ts);
        return NULL;
    }
    Py_DECREF(text);
    return ts;
}

/* Classify ``message`` (a str) from ``program``: 1 auth filled, 0 plain syslog, -1 error. */
static int
syslog_classify(SyslogFast *self, PyObject *program, PyObject *message, const char *s,
                Span msg, Auth *auth)
{
    PyObject *handler = PyDict_GetItemWithError(self->programs, program);
    PyObject *result;
    if (handler != NULL) {
        Py_ssize_t count = PyTuple_GET_SIZE(self->sshd_handlers);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (handler == PyTuple_GET_ITEM(self->sshd_handlers, i)) {
                int rc = sshd_classify(self, s + msg.start, msg.end - msg.start, auth);
                if (rc != 0) {
                    return rc;
                }
                break;
            }
        }
        result = PyObject_CallOneArg(handler, message);
    }
    else if (PyErr_Occurred()) {
        return -1;
    }
    else if (PyUnicode_READ_CHAR(program, PyUnicode_GET_LENGTH(program) - 1) == ')'
             || starts_with(s, msg.start, msg.end, "pam_unix(", 9)) {
        result = PyObject_CallFunctionObjArgs(self->classify_unlisted, program, message, NULL);
    }
    else {
        return 0;
    }
    if (result == NULL) {
        return -1;
    }
    if (result == Py_None) {
        Py_DECREF(result);
        return 0;
    }
    if (!PyTuple_CheckExact(result) || PyTuple_GET_SIZE(result) != 5) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_ValueError, "a classifier returned something other than Auth");
        return -1;
    }
    /* The tuple keeps kind and pattern alive: hold it while they are used. */
    auth->kind = PyTuple_GET_ITEM(result, 0);
    auth->user = Py_NewRef(PyTuple_GET_ITEM(result, 1));
    auth->ip = Py_NewRef(PyTuple_GET_ITEM(result, 2));
    auth->extra = Py_NewRef(PyTuple_GET_ITEM(result, 3));
    auth->pattern = PyTuple_GET_ITEM(result, 4);
    Py_INCREF(auth->kind);
    Py_INCREF(auth->pattern);
    Py_DECREF(result);
    return 2; /* kind and pattern are owned: the caller releases them */
}

static PyObject *
syslog_event(SyslogFast *self, PyObject *ref, PyObject *ts, const char *s,
             const SyslogFields *f)
{
    PyObject *items[EVENT_FIELDS] = {NULL};
    Auth auth = {NULL, NULL, NULL, NULL, NULL};
    int owned = 0, rc;
    Span msg = f->message;
    while (msg.start < msg.end && s[msg.start] == ' ') {
        msg.start++;
    }
    while (msg.end > msg.start && s[msg.end - 1] == ' ') {
        msg.end--;
    }
    PyObject *program = cached_str(&self->last_program, s, f->program);
    PyObject *message = program != NULL ? span_str(s, msg) : NULL;
    if (message == NULL) {
        goto error;
    }
    rc = syslog_classify(self, program, message, s, msg, &auth);
    if (rc < 0) {
        goto error;
    }
    owned = rc == 2;
    if (counter_add(PyDict_GetItemWithError(self->state, S_matched),
                    rc == 0 ? S_rfc3164 : auth.pattern) < 0) {
        goto error;
    }
    items[0] = Py_NewRef(ts);
    items[1] = Py_NewRef(rc == 0 ? self->kind_syslog : auth.kind);
    items[2] = Py_NewRef(self->source);
    items[3] = cached_str(&self->last_host, s, f->host);
    items[4] = rc == 0 ? Py_NewRef(Py_None) : Py_NewRef(auth.ip);
    items[5] = rc == 0 ? Py_NewRef(Py_None) : Py_NewRef(auth.user);
    for (int i = 6; i < 14; i++) {
        items[i] = Py_NewRef(Py_None);
    }
    items[14] = Py_NewRef(program);
    items[15] = f->has_pid ? PyLong_FromLongLong(decimal(s, f->pid)) : Py_NewRef(Py_None);
    if (msg.end == msg.start) {
        items[16] = Py_NewRef(Py_None);
    }
    else if (msg.end - msg.start > MAX_FIELD_CHARS) {
        items[16] = ascii_str(s + msg.start, MAX_FIELD_CHARS);
    }
    else {
        items[16] = Py_NewRef(message);
    }
    items[17] = Py_NewRef(Py_None);
    items[18] = Py_NewRef(self->metrics);
    items[19] = Py_NewRef(ref);
    items[20] = Py_NewRef(rc == 0 ? self->empty_extra : auth.extra);
    auth_clear(&auth);
    if (owned) {
        Py_DECREF(auth.kind);
        Py_DECREF(auth.pattern);
    }
    Py_DECREF(program);
    Py_DECREF(message);
    return new_record((PyTypeObject *)self->base.event_type, items, EVENT_FIELDS);
error:
    auth_clear(&auth);
    if (owned) {
        Py_DECREF(auth.kind);
        Py_DECREF(auth.pattern);
    }
    Py_XDECREF(program);
    Py_XDECREF(message);
    return NULL;
}

/* An exception on a line: counted (and logged) by the parser, as its Python path does. */
static PyObject *
syslog_failed(SyslogFast *self)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return NULL; /* KeyboardInterrupt, SystemExit: not the line's fault */
    }
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL && value != NULL) {
        PyException_SetTraceback(value, traceback);
    }
    PyObject *result = PyObject_CallOneArg(self->on_error, value != NULL ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    if (result == NULL) {
        return NULL;
    }
    Py_DECREF(result);
    Py_RETURN_NONE;
}

static int
syslog_line(FastBase *base, const char *s, Py_ssize_t n, PyObject *ref, PyObject **out)
{
    SyslogFast *self = (SyslogFast *)base;
    SyslogFields f;
    if (!scan_bsd(s, n, &f) || !printable_ascii((const unsigned char *)s, n)) {
        return 0;
    }
    PyObject *ts = syslog_time(self, s);
    if (ts == NULL) {
        if (!PyErr_Occurred()) {
            return 0;
        }
        *out = syslog_failed(self);
        return *out == NULL ? -1 : 1;
    }
    self->base.hits++;
    PyObject *event = syslog_event(self, ref, ts, s, &f);
    Py_DECREF(ts);
    *out = event != NULL ? event : syslog_failed(self);
    return *out == NULL ? -1 : 1;
}

static int
syslog_init(PyObject *op, PyObject *args, PyObject *kwds)
{
    SyslogFast *self = (SyslogFast *)op;
    static char *kwlist[] = {"fallback",        "state",          "programs",
                             "sshd_handlers",   "classify_unlisted", "normalize_ip",
                             "on_error",        "event_type",     "rawline_type",
                             "lineref_type",    "kinds",          "source",
                             "metrics",         "empty_extra",    "failed_patterns",
                             "accepted_patterns", NULL};
    PyObject *fallback, *state, *programs, *sshd_handlers, *classify_unlisted, *normalize,
        *on_error, *event_type, *rawline_type, *lineref_type, *source, *metrics, *empty_extra,
        *failed, *accepted;
    PyObject *k_syslog, *k_fail, *k_ok, *k_other;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwds, "OO!O!O!OOOO!O!O!(OOOO)OOOO!O!:SyslogFast", kwlist, &fallback,
            &PyDict_Type, &state, &PyDict_Type, &programs, &PyTuple_Type, &sshd_handlers,
            &classify_unlisted, &normalize, &on_error, &PyType_Type, &event_type,
            &PyType_Type, &rawline_type, &PyType_Type, &lineref_type, &k_syslog, &k_fail, &k_ok, &k_other, &source,
            &metrics, &empty_extra, &PyDict_Type, &failed, &PyDict_Type, &accepted)) {
        return -1;
    }
    if (base_init(&self->base, fallback, event_type, rawline_type, lineref_type, syslog_line)
        < 0) {
        return -1;
    }
    Py_XSETREF(self->state, Py_NewRef(state));
    Py_XSETREF(self->programs, Py_NewRef(programs));
    Py_XSETREF(self->sshd_handlers, Py_NewRef(sshd_handlers));
    Py_XSETREF(self->classify_unlisted, Py_NewRef(classify_unlisted));
    Py_XSETREF(self->normalize_ip, Py_NewRef(normalize));
    Py_XSETREF(self->on_error, Py_NewRef(on_error));
    Py_XSETREF(self->kind_syslog, Py_NewRef(k_syslog));
    Py_XSETREF(self->kind_failure, Py_NewRef(k_fail));
    Py_XSETREF(self->kind_success, Py_NewRef(k_ok));
    Py_XSETREF(self->kind_other, Py_NewRef(k_other));
    Py_XSETREF(self->source, Py_NewRef(source));
    Py_XSETREF(self->metrics, Py_NewRef(metrics));
    Py_XSETREF(self->empty_extra, Py_NewRef(empty_extra));
    Py_XSETREF(self->failed_patterns, Py_NewRef(failed));
    Py_XSETREF(self->accepted_patterns, Py_NewRef(accepted));
    return 0;
}

#define SYSLOG_FIELDS(X)      \
    X(state)                  \
    X(programs)               \
    X(sshd_handlers)          \
    X(classify_unlisted)      \
    X(normalize_ip)           \
    X(on_error)               \
    X(kind_syslog)            \
    X(kind_failure)           \
    X(kind_success)           \
    X(kind_other)             \
    X(source)                 \
    X(metrics)                \
    X(empty_extra)            \
    X(failed_patterns)        \
    X(accepted_patterns)      \
    X(last_host)              \
    X(last_program)

static int
syslog_traverse(PyObject *op, visitproc visit, void *arg)
{
    SyslogFast *self = (SyslogFast *)op;
#define VISIT(field) Py_VISIT(self->field);
    SYSLOG_FIELDS(VISIT)
#undef VISIT
    return base_traverse(&self->base, visit, arg);
}

static int
syslog_clear(PyObject *op)
{
    SyslogFast *self = (SyslogFast *)op;
    base_clear(&self->base);
#define CLEAR(field) Py_CLEAR(self->field);
    SYSLOG_FIELDS(CLEAR)
#undef CLEAR
    return 0;
}

static void
syslog_dealloc(PyObject *op)
{
    PyObject_GC_UnTrack(op);
    syslog_clear(op);
    Py_TYPE(op)->tp_free(op);
}

static PyTypeObject SyslogFastType = {
    .ob_base = PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sentinel.parsers._speedups.SyslogFast",
    .tp_basicsize = sizeof(SyslogFast),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "RFC 3164 syslog + sshd fast path: parse(raw) -> Event | None.",
    .tp_new = PyType_GenericNew,
    .tp_init = syslog_init,
    .tp_dealloc = syslog_dealloc,
    .tp_traverse = syslog_traverse,
    .tp_clear = syslog_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FastBase, vectorcall),
    .tp_methods = fast_methods,
    .tp_members = fast_members,
};

/* -- module --------------------------------------------------------------- */

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sentinel.parsers._speedups",
    .m_doc = "C fast paths for the combined and syslog parsers (see speedups.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (intern_constants() < 0 || PyType_Ready(&CombinedFastType) < 0
        || PyType_Ready(&SyslogFastType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "MAX_FIELD_CHARS", MAX_FIELD_CHARS) < 0
        || PyModule_AddObjectRef(module, "CombinedFast", (PyObject *)&CombinedFastType) < 0
        || PyModule_AddObjectRef(module, "SyslogFast", (PyObject *)&SyslogFastType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
