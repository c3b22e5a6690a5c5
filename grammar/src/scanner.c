// External scanner for the FireHOL grammar. It keeps no state and recognises two tokens:
//  - the NAME of `NAME=value` / `NAME+=value`: the name and the `=` must be separate tokens (so
//    that the name can be highlighted and referenced), but a plain lexer would take `NAME=value`
//    as one unquoted word (longest match), so this looks ahead for the `=`;
//  - the family prefix (`ipv4`, `ipv6`, `both`) of a section header: only the word after it
//    tells `ipv4 router` (a new section) from `ipv4 server` (a statement of the current one);
//  - a zero-width statement terminator at the end of the file, so that a last line without a
//    newline ends its statement (and its section) like any other line.

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <string.h>

enum TokenType { ASSIGNMENT_NAME, EOF_TERMINATOR, SECTION_FAMILY, ERROR_SENTINEL };

void *tree_sitter_firehol_external_scanner_create(void) { return NULL; }

void tree_sitter_firehol_external_scanner_destroy(void *payload) { (void)payload; }

unsigned tree_sitter_firehol_external_scanner_serialize(void *payload, char *buffer) {
    (void)payload;
    (void)buffer;
    return 0;
}

void tree_sitter_firehol_external_scanner_deserialize(void *payload, const char *buffer,
                                                      unsigned length) {
    (void)payload;
    (void)buffer;
    (void)length;
}

static bool is_name_start(int32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int32_t c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

static bool is_blank(int32_t c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r'; }

/// Skips blanks and backslash-newlines; false when a backslash starts something else.
static bool skip_blanks(TSLexer *lexer, bool skip) {
    for (;;) {
        int32_t c = lexer->lookahead;
        if (is_blank(c)) {
            lexer->advance(lexer, skip);
        } else if (c == '\\') {
            lexer->advance(lexer, skip);
            if (lexer->lookahead == '\r') {
                lexer->advance(lexer, skip);
            }
            if (lexer->lookahead != '\n') {
                return false;
            }
            lexer->advance(lexer, skip);
        } else {
            return true;
        }
    }
}

/// Reads a shell name (at most `cap - 1` characters are kept in `buf`).
static unsigned read_name(TSLexer *lexer, char *buf, unsigned cap) {
    unsigned n = 0;
    while (is_name_char(lexer->lookahead)) {
        if (n + 1 < cap) {
            buf[n] = (char)lexer->lookahead;
        }
        n++;
        lexer->advance(lexer, false);
    }
    buf[n + 1 < cap ? n : cap - 1] = 0;
    return n;
}

static bool is_family(const char *w) {
    return strcmp(w, "ipv4") == 0 || strcmp(w, "ipv6") == 0 || strcmp(w, "both") == 0;
}

/// `interface`/`router` with an optional 4, 6 or 46 suffix.
static bool is_section_keyword(const char *w) {
    const char *rest;
    if (strncmp(w, "interface", 9) == 0) {
        rest = w + 9;
    } else if (strncmp(w, "router", 6) == 0) {
        rest = w + 6;
    } else {
        return false;
    }
    return strcmp(rest, "") == 0 || strcmp(rest, "4") == 0 || strcmp(rest, "6") == 0 ||
           strcmp(rest, "46") == 0;
}

static bool ends_word(int32_t c) {
    return c == 0 || c == '\n' || is_blank(c) || c == ';' || c == '&' || c == '|' || c == ')' ||
           c == '#';
}

bool tree_sitter_firehol_external_scanner_scan(void *payload, TSLexer *lexer,
                                               const bool *valid_symbols) {
    (void)payload;
    // During error recovery every symbol is valid: let the internal lexer decide.
    if (valid_symbols[ERROR_SENTINEL] ||
        !(valid_symbols[ASSIGNMENT_NAME] || valid_symbols[EOF_TERMINATOR] ||
          valid_symbols[SECTION_FAMILY])) {
        return false;
    }
    // Blanks and line continuations are extras: skip them like the internal lexer does.
    if (!skip_blanks(lexer, true)) {
        return false;
    }
    if (valid_symbols[EOF_TERMINATOR] && lexer->eof(lexer)) {
        lexer->mark_end(lexer);
        lexer->result_symbol = EOF_TERMINATOR;
        return true;
    }
    if (!(valid_symbols[ASSIGNMENT_NAME] || valid_symbols[SECTION_FAMILY]) ||
        !is_name_start(lexer->lookahead)) {
        return false;
    }
    char name[8];
    read_name(lexer, name, sizeof name);
    lexer->mark_end(lexer);
    if (valid_symbols[ASSIGNMENT_NAME]) {
        if (lexer->lookahead == '+') {
            lexer->advance(lexer, false);
        }
        if (lexer->lookahead == '=') {
            lexer->result_symbol = ASSIGNMENT_NAME;
            return true;
        }
    }
    if (!valid_symbols[SECTION_FAMILY] || !is_family(name) || !is_blank(lexer->lookahead)) {
        return false;
    }
    if (!skip_blanks(lexer, false)) {
        return false;
    }
    char next[16];
    read_name(lexer, next, sizeof next);
    if (!is_section_keyword(next) || !ends_word(lexer->lookahead)) {
        return false;
    }
    lexer->result_symbol = SECTION_FAMILY;
    return true;
}
