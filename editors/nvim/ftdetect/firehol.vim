" FireHOL configurations: firehol.conf, *.firehol and /etc/firehol/*.conf.
" `set filetype` rather than `setfiletype`: a *.conf file may already have been guessed as `conf`.
autocmd BufNewFile,BufRead firehol.conf,*.firehol,/etc/firehol/*.conf set filetype=firehol
