; Highlights for FireHOL configurations. Capture names are the ones every Neovim since 0.7 maps
; to a highlight group (and tree-sitter's own highlighter knows), so the same file serves both.

(comment) @comment

; --- FireHOL ----------------------------------------------------------------

; interface / router (and their 4, 6 and 46 forms) open a section.
(section_header
  kind: _ @keyword)

(section_header
  name: (_) @label)

(group_start
  command: _ @keyword
  kind: _ @keyword)

(group_end
  command: _ @keyword
  kind: _ @keyword)

(family) @type.builtin

; Every other FireHOL command (server, client, synproxy, dnat, action, ...).
(firehol_command
  name: _ @function.builtin)

(parameter_name) @property

(negation) @operator

(builtin_action) @constant.builtin

; --- shell ------------------------------------------------------------------

[
  "if"
  "then"
  "elif"
  "else"
  "fi"
  "for"
  "select"
  "while"
  "until"
  "do"
  "done"
  "case"
  "esac"
  "function"
  "export"
  "local"
  "declare"
  "readonly"
  "typeset"
] @keyword

; `in` is also a FireHOL parameter: only the shell's is a keyword.
(for_statement
  "in" @keyword)

(case_statement
  "in" @keyword)

(command
  name: (command_name) @function)

(function_definition
  name: (word) @function)

(variable_name) @variable

(special_variable_name) @variable.builtin

[
  (string)
  (raw_string)
  (ansi_c_string)
] @string

(simple_expansion
  "$" @punctuation.special)

(expansion
  [
    "${"
    "}"
  ] @punctuation.special)

(command_substitution
  [
    "$("
    ")"
  ] @punctuation.special)

(arithmetic_expansion) @punctuation.special

((word) @number
  (#match? @number "^[0-9][0-9.:/,-]*$"))

[
  "&&"
  "||"
  "|"
  "|&"
  "!"
  (redirect_operator)
] @operator

[
  ";"
  ";;"
  ";&"
  ";;&"
] @punctuation.delimiter
