; Scopes, definitions and references: shell variables (NAME=..., for NAME in ...), functions
; and FireHOL action names (`action NAME ...`, later used as a verdict).

(source_file) @local.scope

(function_definition) @local.scope

(variable_assignment
  name: (variable_name) @local.definition)

(for_statement
  variable: (variable_name) @local.definition)

(simple_expansion
  (variable_name) @local.reference)

(expansion
  (variable_name) @local.reference)

(function_definition
  name: (word) @local.definition)

(command_name
  (word) @local.reference)
