" Vim syntax file
" Language:    FireHOL configuration (firehol.conf)
" Maintainer:  fhc (editors/nvim in the fhc repository)
"
" A FireHOL configuration is a bash script whose commands are FireHOL functions. This file
" highlights FireHOL's vocabulary (its word lists are generated from the keyword tables of
" lang/src/syntax/keywords.rs into the block below) and the shell around it. Neovim with the
" tree-sitter parser uses queries/firehol/highlights.scm instead; this file serves Vim and Neovim
" without the parser.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" --- the vocabulary -----------------------------------------------------------------
" BEGIN GENERATED from lang/src/syntax/keywords.rs by lang/tests/vocabulary.rs: do not edit.
" Regenerate with `UPDATE_VOCAB=1 cargo test -p fhc-lang --test vocabulary`.
" Bash's reserved words (syn keyword list).
let s:shell_keywords = 'if elif while until for case select function then else do fi done esac'
" Optional rule parameters, every spelling (pattern alternatives).
let s:params = 'src\|src4\|src6\|dst\|dst4\|dst6\|srctype\|dsttype\|inface\|outface\|physin
      \\|physout\|proto\|protocol\|sport\|dport\|mac\|mark\|connmark\|custommark\|rawmark\|tos
      \\|dscp\|state\|uid\|user\|gid\|group\|custom\|custom\-in\|customin\|custom\-out\|customout
      \\|helper\|log\|loglimit\|connlog\|limit\|connlimit\|iplimit\|hashlimit\|acct\|accounting
      \\|ipset\|action\|reverse\|noowner\|nolog\|softwarnings\|nosoftwarnings\|insert\|insert_at
      \\|table\|chain\|in\|out\|optimal\|accurate\|return_if_not_matched\|or\|set_work_inface
      \\|set_work_outface\|push_flow_inheritance'
" Built-in actions.
let s:actions = 'accept\|reject\|drop\|deny\|return\|tarpit\|mirror\|none'
" Commands with the 4/6/46 suffixes, then the others (not sections, not group).
let s:suffixed_commands = 'server\|client\|route\|synproxy\|dnat\|snat\|redirect\|nat\|masquerade
      \\|transparent_proxy\|transparent_squid\|tproxy\|action\|mark\|connmark\|custommark\|classify
      \\|tos\|dscp\|tosfix\|tcpmss\|blacklist\|iptrap\|ipuntrap\|ipset\|mac\|cthelper\|log
      \\|loglimit'
let s:other_commands = 'version\|policy\|protection\|iptables\|ip6tables\|docker_bridge\|markdef
      \\|marksreset\|require_kernel_module\|postprocess\|ecn_shame'
" END GENERATED

" --- comments, strings, expansions ------------------------------------------------
syn keyword fireholTodo contained TODO FIXME XXX NOTE
" `#` starts a comment only at the start of a word, as in bash.
syn match fireholComment /\%(^\|[ \t;&|()]\)\@<=#.*$/ contains=fireholTodo
syn match fireholVariable /\$\%(\h\w*\|[0-9@#?*!$-]\)/
syn region fireholVariable matchgroup=fireholDelimiter start=/\${/ end=/}/ oneline
syn region fireholSubst matchgroup=fireholDelimiter start=/\$(/ end=/)/ contains=fireholString,fireholRawString,fireholVariable
syn region fireholSubst matchgroup=fireholDelimiter start=/`/ skip=/\\./ end=/`/ contains=fireholString,fireholVariable
syn region fireholString start=/"/ skip=/\\./ end=/"/ contains=fireholVariable,fireholSubst
syn region fireholRawString start=/'/ end=/'/
syn match fireholNumber /\%(^\|[ \t=]\)\@<=\d[0-9.:/,-]*\%([ \t;]\|$\)\@=/
syn match fireholAssign /\%(^\|[;&|]\|\<export\)\s*\zs\h\w*\ze+\==/

" --- the shell ----------------------------------------------------------------------
exe 'syn keyword fireholShellKeyword ' . s:shell_keywords
syn keyword fireholShellKeyword export local declare readonly typeset
" `in` is also a FireHOL parameter: only the one of `for NAME in` / `case WORD in` is the shell's.
syn match fireholShellKeyword /\%(\<for\s\+\h\w*\s\+\)\@<=in\>/
syn match fireholShellKeyword /\%(\<case\s\+\S\+\s\+\)\@<=in\>/
syn match fireholOperator /&&\|||\||\|[0-9]*[<>]\+&\=/

" --- FireHOL ------------------------------------------------------------------------
" Optional rule parameters: FireHOL lower-cases them, so any case matches.
exe 'syn match fireholParam /\c\%(^\|[ \t(]\)\@<=\%(' . s:params . '\)\%([ \t)]\|$\)\@=/'
      \ . ' nextgroup=fireholNegation skipwhite'
syn match fireholNegation /\c\%(not\|!\)\%([ \t]\|$\)\@=/ contained
" Built-in actions, any case.
exe 'syn match fireholAction /\c\%(^\|[ \t]\)\@<=\%(' . s:actions . '\)\%([ \t;]\|$\)\@=/'

" Commands are recognised in command position: at the start of a line or after ; & | and
" the shell keywords that start a command list, with an optional ipv4/ipv6/both prefix.
let s:start = '\%(^\|[;&|({]\|\<then\|\<do\|\<else\)\s*\%(\%(ipv4\|ipv6\|both\)\s\+\)\='
exe 'syn match fireholFamily /\%(^\|[;&|({]\|\<then\|\<do\|\<else\)\s*\zs\%(ipv4\|ipv6\|both\)\ze\s/'
exe 'syn match fireholCommand /' . s:start
      \ . '\zs\%(\%(' . s:suffixed_commands . '\)\%(4\|6\|46\)\=\|' . s:other_commands . '\)'
      \ . '\%([ \t;]\|$\)\@=/'
exe 'syn match fireholGroup /' . s:start . '\zs\%(group\%(4\|6\|46\)\=\s\+\%(with\|start\|begin\|end\|stop\|close\)\)\%([ \t;]\|$\)\@=/'
" The section name is a label; the interfaces of `interface` come before it.
exe 'syn match fireholSection /' . s:start . '\zs\%(interface\)\%(4\|6\|46\)\=\%([ \t]\|$\)\@=/ nextgroup=fireholSectionArgs skipwhite'
exe 'syn match fireholSection /' . s:start . '\zs\%(router\)\%(4\|6\|46\)\=\%([ \t]\|$\)\@=/ nextgroup=fireholSectionName skipwhite'
syn match fireholSectionArgs /\%("[^"]*"\|'[^']*'\|\S\+\)\s\+/ contained contains=fireholString,fireholRawString,fireholVariable nextgroup=fireholSectionName
syn match fireholSectionName /[^ \t"'$\\]\+/ contained

hi def link fireholComment       Comment
hi def link fireholTodo          Todo
hi def link fireholString        String
hi def link fireholRawString     String
hi def link fireholVariable      Identifier
hi def link fireholAssign        Identifier
hi def link fireholDelimiter     Delimiter
hi def link fireholSubst         Special
hi def link fireholNumber        Number
hi def link fireholShellKeyword  Keyword
hi def link fireholOperator      Operator
hi def link fireholSection       Keyword
hi def link fireholGroup         Keyword
hi def link fireholSectionName   Label
hi def link fireholFamily        Type
hi def link fireholCommand       Special
hi def link fireholParam         Identifier
hi def link fireholNegation      Operator
hi def link fireholAction        Constant

let b:current_syntax = 'firehol'

let &cpo = s:cpo_save
unlet s:cpo_save
