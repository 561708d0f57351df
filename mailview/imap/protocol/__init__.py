"""The IMAP protocol without I/O, in the style of h11 and wsproto.

Commands in, bytes out (`commands`); bytes in, typed responses out (`responses`, with the value
tokenizer in `syntax`); modified UTF-7 folder names (`utf7`) and dates (`dates`). The drivers
(`mailview.imap.blocking` for the request pool, `mailview.imap.aioconn` for the IDLE watchers)
do the socket work around it. Imports only the standard library.
"""
