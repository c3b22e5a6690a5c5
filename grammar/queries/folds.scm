; Sections run from their interface/router line to the next one; groups, shell blocks and
; multi-line arrays fold as well.

[
  (section)
  (group_block)
  (if_statement)
  (elif_clause)
  (else_clause)
  (for_statement)
  (while_statement)
  (case_statement)
  (case_item)
  (function_definition)
  (compound_statement)
  (subshell)
  (array)
] @fold
