;;; emacs_driver.el --- plays the user for test_emacs.py  -*- lexical-binding: t; -*-
;; With editors/emacs/atelier.el: open $ATELIER_TEST_FILE, connect eglot to Atelier, go to the
;; end of line $ATELIER_TEST_LINE, M-x completion-at-point, and write the buffer and what
;; happened as JSON to $ATELIER_TEST_OUT.  Exits Emacs, also on failure.
(require 'json)
(require 'atelier)

(let ((out (getenv "ATELIER_TEST_OUT"))
      (result nil))
  (condition-case err
      (progn
        (setq atelier-command (json-read-from-string (getenv "ATELIER_TEST_CMD")))
        (setq atelier-command (append atelier-command nil)) ; vector -> list
        (setq atelier-settings '(:completion (:max_tokens 32)))
        (atelier-setup)
        (find-file (getenv "ATELIER_TEST_FILE"))
        (apply #'eglot (eglot--guess-contact))
        (push (cons 'server (plist-get (eglot--server-info (eglot-current-server)) :name)) result)
        (goto-char (point-min))
        (forward-line (1- (string-to-number (getenv "ATELIER_TEST_LINE"))))
        (end-of-line)
        ;; The model loads in the background and the first answer can take seconds, more than
        ;; eglot's completion waits: one request first, with a long timeout.
        (jsonrpc-request (eglot-current-server) :textDocument/completion
                         (eglot--TextDocumentPositionParams) :timeout 120)
        (completion-at-point)
        (push (cons 'buffer (buffer-substring-no-properties (point-min) (point-max))) result)
        (eglot-shutdown (eglot-current-server)))
    (error (push (cons 'error (error-message-string err)) result)))
  (with-temp-file out (insert (json-encode result)))
  (kill-emacs 0))
