/**
 * @file tree-sitter grammar for FireHOL configurations (firehol.conf).
 *
 * A FireHOL configuration is a bash script whose commands are FireHOL functions. The grammar
 * therefore has two layers:
 *  - FireHOL's own structure: sections (`interface`/`router` up to the next one), `group`
 *    blocks, FireHOL commands, optional rule parameters (with `not`/`!`) and built-in actions;
 *  - a tolerant bash subset around it (assignments, arrays, expansions, `if`/`for`/`while`/
 *    `case`, functions, lists and pipelines, redirections), so that real configurations full
 *    of shell parse as shell instead of ERROR nodes.
 *
 * The keyword tables (COMMANDS, SUFFIXED, PARAMS, ACTIONS) are data in vocabulary.js, generated
 * from lang/src/syntax/keywords.rs: `UPDATE_VOCAB=1 cargo test -p fhc-lang --test vocabulary`.
 */

const { COMMANDS, SUFFIXED, PARAMS, ACTIONS } = require('./vocabulary');

const SECTIONS = ['interface', 'router'];
const FAMILIES = ['ipv4', 'ipv6', 'both'];

/** `name`, `name4`, `name6` and `name46` when the command takes the family suffixes. */
const spellings = (name) =>
  SUFFIXED.includes(name) ? [name, name + '4', name + '6', name + '46'] : [name];

/**
 * A case-insensitive keyword. The lower-case spelling is a plain string token so that it is the
 * same token as a command of the same name (`mark`, `group`, `log` ...) or a shell word (`in`):
 * tree-sitter's keyword extraction picks one token per spelling, and the rule must accept it.
 */
const ci = (word) => {
  const re = word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`).replace(/-/g, '\\-');
  return choice(word, token(new RegExp(re)));
};

/** Terminates a simple statement. */
const TERMINATORS = [';', '\n', '&'];

// Characters that end an unquoted word (bash metacharacters and quote/expansion starters).
const WORD_END = `\\s'"\\\\$;&|()<>\``;

module.exports = grammar({
  name: 'firehol',

  word: ($) => $.word,

  externals: ($) => [$._assignment_name, $._eof, $._section_family, $._error_sentinel],

  extras: ($) => [/[ \t\f\r]/, /\\\r?\n/, $.comment],

  inline: ($) => [$._terminator, $._blank, $._statement, $._primary, $._immediate_primary],

  conflicts: ($) => [
    [$.command, $.variable_assignments],
  ],

  rules: {
    source_file: ($) => repeat($._item),

    // ---------------------------------------------------------------- structure

    /** A line of a body: a statement and its terminator, an empty line, or a block. */
    _item: ($) => choice(
      seq($._statement, $._terminator),
      $._blank,
      $.section,
      $.group_block,
    ),

    /** Inside a section another `interface`/`router` cannot start: it closes the section. */
    _section_item: ($) => choice(
      seq($._statement, $._terminator),
      $._blank,
      $.group_block,
    ),

    /**
     * Ends a statement. `_eof` is a zero-width token at the end of the file, so that a last line
     * without a newline needs no special case in every block.
     */
    _terminator: ($) => choice(...TERMINATORS, $._eof),

    _blank: (_) => choice(';', '\n'),

    /**
     * FireHOL sections have no delimiters: a section runs until the next `interface`/`router`,
     * the end of the enclosing shell block, or the end of the file.
     */
    section: ($) => prec.right(seq(
      field('header', $.section_header),
      $._terminator,
      optional($._section_body),
    )),

    _section_body: ($) => repeat1($._section_item),

    /** A section whose last statement ends with the `;;` of a `case` branch. */
    _case_section: ($) => seq(
      field('header', $.section_header),
      $._terminator,
      optional($._section_body),
      $._statement,
    ),

    /**
     * The family prefix of a header comes from the external scanner, which sees that an `ipv4`
     * is followed by `interface`/`router`: with one token of lookahead the parser could not tell
     * `ipv4 router` (a new section) from `ipv4 server` (a statement of the current one).
     */
    section_header: ($) => prec.right(seq(
      optional(field('family', alias($._section_family, $.family))),
      choice(
        seq(
          field('kind', choice(...spellings('interface'))),
          optional(seq(
            field('interfaces', $._word),
            optional(seq(field('name', $._word), repeat($._argument))),
          )),
        ),
        seq(
          field('kind', choice(...spellings('router'))),
          optional(seq(field('name', $._word), repeat($._argument))),
        ),
      ),
    )),

    /** `group with ...` up to its `group end`; FireHOL closes open groups with the section. */
    group_block: ($) => prec.right(seq(
      field('start', $.group_start),
      $._terminator,
      repeat($._section_item),
      optional(seq(field('end', $.group_end), $._terminator)),
    )),

    group_start: ($) => prec.right(seq(
      optional(field('family', $.family)),
      field('command', choice(...spellings('group'))),
      field('kind', choice('with', 'start', 'begin')),
      repeat($._argument),
    )),

    group_end: ($) => seq(
      optional(field('family', $.family)),
      field('command', choice(...spellings('group'))),
      field('kind', choice('end', 'stop', 'close')),
    ),

    family: (_) => choice(...FAMILIES),

    /** Every FireHOL command other than sections and groups. */
    firehol_command: ($) => prec.right(seq(
      optional(field('family', $.family)),
      field('name', choice(...COMMANDS
        .filter((c) => !SECTIONS.includes(c) && c !== 'group')
        .flatMap(spellings))),
      repeat(choice($._argument, $.redirect)),
    )),

    _argument: ($) => choice($.parameter, $.builtin_action, $._word),

    /** An optional rule parameter keyword and its negation; its values are the next words. */
    parameter: ($) => prec.right(seq(
      field('name', $.parameter_name),
      optional(field('negation', $.negation)),
    )),

    parameter_name: (_) => choice(...PARAMS.map(ci)),

    negation: (_) => choice('!', ci('not')),

    builtin_action: (_) => choice(...ACTIONS.map(ci)),

    // ---------------------------------------------------------------- shell statements

    _statement: ($) => choice(
      $.firehol_command,
      $.command,
      $.variable_assignment,
      $.variable_assignments,
      $.declaration_command,
      $.if_statement,
      $.for_statement,
      $.while_statement,
      $.case_statement,
      $.function_definition,
      $.compound_statement,
      $.arithmetic_command,
      $.subshell,
      $.test_command,
      $.list,
      $.pipeline,
      $.negated_command,
      $.redirected_statement,
    ),

    /** `(( expression ))`. */
    arithmetic_command: (_) => token(prec(1, /\(\(([^)]|\)[^)])*\)\)/)),

    /** `[[ ... ]]`: its `&&`, `||`, parentheses and `<`/`>` belong to the condition. */
    test_command: ($) => seq(
      '[[',
      repeat(choice($._word, '&&', '||', '(', ')', '<', '>', '!')),
      ']]',
    ),

    /** `done < file`, `} > /dev/null` ... */
    redirected_statement: ($) => prec.right(seq(
      field('body', choice(
        $.if_statement,
        $.for_statement,
        $.while_statement,
        $.case_statement,
        $.compound_statement,
        $.subshell,
      )),
      repeat1($.redirect),
    )),

    /** A shell command: a builtin, a utility or a function of the configuration. */
    command: ($) => prec.right(seq(
      repeat(choice($.variable_assignment, $.redirect)),
      field('name', $.command_name),
      repeat(choice($._argument, $.redirect)),
    )),

    command_name: ($) => $._word,

    variable_assignment: ($) => seq(
      field('name', alias($._assignment_name, $.variable_name)),
      token.immediate(choice('=', '+=')),
      optional(field('value', choice($._immediate_word, $.array))),
    ),

    variable_assignments: ($) => prec.right(seq($.variable_assignment, repeat1($.variable_assignment))),

    array: ($) => seq(
      token.immediate('('),
      repeat(choice($._argument, '\n')),
      ')',
    ),

    declaration_command: ($) => prec.right(seq(
      choice('export', 'local', 'declare', 'readonly', 'typeset'),
      repeat(choice($.variable_assignment, $._word)),
    )),

    /** Statements up to a terminator (the condition of `if`/`while`). */
    _condition: ($) => repeat1(choice(seq($._statement, $._terminator), $._blank)),

    _body: ($) => repeat1($._item),

    /** The body of `( ... )` and `$( ... )`: its last statement needs no terminator. */
    _inner_body: ($) => choice(
      seq(repeat1(choice(seq($._statement, $._terminator), $._blank)), optional($._statement)),
      $._statement,
    ),

    if_statement: ($) => seq(
      'if',
      field('condition', alias($._condition, $.condition)),
      'then',
      optional($._body),
      repeat($.elif_clause),
      optional($.else_clause),
      'fi',
    ),

    elif_clause: ($) => seq(
      'elif',
      field('condition', alias($._condition, $.condition)),
      'then',
      optional($._body),
    ),

    else_clause: ($) => seq('else', optional($._body)),

    for_statement: ($) => seq(
      choice('for', 'select'),
      field('variable', alias($.word, $.variable_name)),
      optional(seq('in', repeat($._word))),
      repeat1($._terminator),
      $.do_group,
    ),

    while_statement: ($) => seq(
      choice('while', 'until'),
      field('condition', alias($._condition, $.condition)),
      $.do_group,
    ),

    do_group: ($) => seq('do', optional($._body), 'done'),

    case_statement: ($) => seq(
      'case',
      field('value', $._word),
      repeat('\n'),
      'in',
      repeat($._blank),
      repeat($.case_item),
      'esac',
    ),

    case_item: ($) => seq(
      field('pattern', $._word),
      repeat(seq('|', field('pattern', $._word))),
      ')',
      repeat($._item),
      optional(choice($._statement, alias($._case_section, $.section))),
      choice(';;', ';&', ';;&'),
      repeat($._blank),
    ),

    function_definition: ($) => seq(
      choice(
        seq('function', field('name', $.word), optional(seq('(', ')'))),
        seq(field('name', $.word), '(', ')'),
      ),
      repeat('\n'),
      field('body', choice($.compound_statement, $.subshell)),
    ),

    compound_statement: ($) => seq('{', optional($._body), '}'),

    subshell: ($) => seq('(', $._inner_body, ')'),

    list: ($) => prec.left(1, seq(
      $._statement,
      choice('&&', '||'),
      repeat('\n'),
      $._statement,
    )),

    pipeline: ($) => prec.left(2, seq(
      $._statement,
      choice('|', '|&'),
      repeat('\n'),
      $._statement,
    )),

    negated_command: ($) => prec.right(3, seq('!', $._statement)),

    redirect: ($) => prec.right(seq(
      field('operator', alias(/[0-9]*(>>?|<|&>>?|>&|<&|<<<|>\|)/, $.redirect_operator)),
      optional(field('destination', $._word)),
    )),

    // ---------------------------------------------------------------- words

    _word: ($) => choice($._primary, $.concatenation),

    /** A word that starts right after the previous token (the value of `NAME=`). */
    _immediate_word: ($) => choice(
      $._immediate_primary,
      alias($._immediate_concatenation, $.concatenation),
    ),

    concatenation: ($) => prec.left(seq($._primary, repeat1($._immediate_primary))),

    _immediate_concatenation: ($) => prec.left(seq(
      $._immediate_primary,
      repeat1($._immediate_primary),
    )),

    _primary: ($) => choice(
      $.word,
      $.string,
      $.raw_string,
      $.ansi_c_string,
      $.simple_expansion,
      $.expansion,
      $.command_substitution,
      $.arithmetic_expansion,
    ),

    _immediate_primary: ($) => choice(
      alias($._immediate_word_token, $.word),
      alias($._immediate_string, $.string),
      alias($._immediate_raw_string, $.raw_string),
      alias($._immediate_ansi_c_string, $.ansi_c_string),
      alias($._immediate_simple_expansion, $.simple_expansion),
      alias($._immediate_expansion, $.expansion),
      alias($._immediate_command_substitution, $.command_substitution),
      alias($._immediate_arithmetic_expansion, $.arithmetic_expansion),
    ),

    /** An unquoted word. `#` starts a comment only at the start of a word, as in bash. */
    word: (_) => token(new RegExp(
      `([^${WORD_END}#]|\\\\[^\\r\\n])([^${WORD_END}]|\\\\[^\\r\\n])*`)),

    _immediate_word_token: (_) => token.immediate(new RegExp(
      `([^${WORD_END}]|\\\\[^\\r\\n])+`)),

    string: ($) => seq('"', repeat($._string_part), token.immediate('"')),
    _immediate_string: ($) => seq(token.immediate('"'), repeat($._string_part), token.immediate('"')),

    _string_part: ($) => choice(
      $.string_content,
      alias($._immediate_simple_expansion, $.simple_expansion),
      alias($._immediate_expansion, $.expansion),
      alias($._immediate_command_substitution, $.command_substitution),
      alias($._immediate_arithmetic_expansion, $.arithmetic_expansion),
    ),

    string_content: (_) => token.immediate(prec(1, /([^"`$\\]|\\(.|\r?\n)|`([^`\\]|\\.)*`)+/)),

    raw_string: (_) => /'[^']*'/,

    /** `$'...'`: a string with backslash escapes. */
    ansi_c_string: (_) => /\$'([^'\\]|\\.)*'/,
    _immediate_ansi_c_string: (_) => token.immediate(/\$'([^'\\]|\\.)*'/),
    _immediate_raw_string: (_) => token.immediate(/'[^']*'/),

    simple_expansion: ($) => seq('$', $._expansion_name),
    _immediate_simple_expansion: ($) => seq(token.immediate('$'), $._expansion_name),

    _expansion_name: ($) => choice(
      alias(token.immediate(/[A-Za-z_][A-Za-z0-9_]*/), $.variable_name),
      alias(token.immediate(/[0-9@#?*!$-]/), $.special_variable_name),
    ),

    expansion: ($) => seq('${', $._expansion_body),
    _immediate_expansion: ($) => seq(token.immediate('${'), $._expansion_body),

    /** `${NAME}`, `${#NAME}`, `${!NAME}`, `${NAME[@]}`, `${NAME:-default}`, `${1}` ... */
    _expansion_body: ($) => seq(
      optional(alias(token.immediate(/[#!]/), $.expansion_operator)),
      optional(seq(
        choice(
          alias(token.immediate(/[A-Za-z_][A-Za-z0-9_]*/), $.variable_name),
          alias(token.immediate(/[0-9@?*$-]/), $.special_variable_name),
        ),
        optional(alias(token.immediate(/[^}\n]+/), $.expansion_operator)),
      )),
      token.immediate('}'),
    ),

    /** `$(...)`; a backquoted substitution is one token (its nesting rules are not bash's). */
    command_substitution: ($) => choice(
      seq('$(', optional($._inner_body), ')'),
      /`([^`\\]|\\.)*`/,
    ),
    _immediate_command_substitution: ($) => choice(
      seq(token.immediate('$('), optional($._inner_body), ')'),
      token.immediate(/`([^`\\]|\\.)*`/),
    ),

    arithmetic_expansion: (_) => token(prec(1, /\$\(\(([^)]|\)[^)])*\)\)|\$\[[^\]\n]*\]/)),
    _immediate_arithmetic_expansion: (_) => token.immediate(prec(1, /\$\(\(([^)]|\)[^)])*\)\)|\$\[[^\]\n]*\]/)),

    comment: (_) => token(prec(-10, /#.*/)),
  },
});
