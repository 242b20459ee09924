"""Apache httpd (``httpd.conf``, virtual hosts, ``.htaccess``): its parser and loader.

It fills no settings yet: its files are read and their syntax checked
(AL001); httpd's merge semantics, and so the rules, come later.
"""
