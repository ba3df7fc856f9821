;;; emacs_lsp_driver.el --- plays the user for test_emacs_lsp_mode.py  -*- lexical-binding: t; -*-
;; With lsp-mode and editors/emacs/atelier-lsp.el: open $ATELIER_TEST_FILE in python-mode,
;; where lsp-mode starts a stand-in for the language's own server ($ATELIER_TEST_MAIN_CMD,
;; a main client) and Atelier ($ATELIER_TEST_CMD, the add-on).  At the end of line
;; $ATELIER_TEST_LINE: TAB with no ghost text shown, then type $ATELIER_TEST_TYPE and wait for
;; the ghost text, move away and back, ask again, accept with the key.  What was seen and the
;; buffer go as JSON to $ATELIER_TEST_OUT.  Exits Emacs, also on failure.
(require 'json)
(require 'lsp-mode)
(require 'atelier-lsp)

(defvar driver--tabs 0 "How often TAB reached python-mode's own binding.")

(defun driver--wait (what pred &optional seconds)
  "Wait up to SECONDS (60) for PRED, letting processes and timers run; else fail on WHAT."
  (let ((deadline (+ (float-time) (or seconds 60))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or (funcall pred) (error "Timed out waiting for %s" what))))

(defun driver--lsp-mode-ui-p ()
  "Whether lsp-mode's own inline completion shows the ghost text (lsp-mode after 9.0.0)."
  (and (eq atelier-lsp-inline 'auto) (fboundp 'lsp-inline-completion-mode)))

(defun driver--ghost ()
  "The ghost text shown, or nil."
  (let ((ov (if (driver--lsp-mode-ui-p)
                (symbol-value 'lsp-inline-completion--overlay)
              atelier-lsp--overlay)))
    (when (and ov (overlay-buffer ov))
      (substring-no-properties (overlay-get ov 'after-string)))))

(defun driver--io-log (server-id)
  "What lsp-mode sent to and got from the server SERVER-ID (`lsp-log-io')."
  (mapconcat (lambda (buffer)
               (if (string-prefix-p (format "*lsp-log: %s:" server-id) (buffer-name buffer))
                   (with-current-buffer buffer (buffer-substring-no-properties (point-min) (point-max)))
                 ""))
             (buffer-list) ""))

(defun driver--ask ()
  "Ask for ghost text as the user would, by key or command."
  (if (driver--lsp-mode-ui-p)
      (command-execute 'lsp-inline-completion-display)
    (execute-kbd-macro (kbd "C-c ]"))))

(defun driver--accept-key ()
  "The key that accepts the ghost text."
  (if (driver--lsp-mode-ui-p)
      (where-is-internal 'lsp-inline-completion-accept (symbol-value 'lsp-inline-completion-active-map) t)
    (kbd "TAB")))

(let ((out (getenv "ATELIER_TEST_OUT"))
      (result nil))
  (condition-case err
      (let ((file (getenv "ATELIER_TEST_FILE")))
        (setq atelier-lsp-command (append (json-read-from-string (getenv "ATELIER_TEST_CMD")) nil)
              atelier-lsp-settings '(:completion (:max_tokens 32))
              atelier-lsp-delay 0.1)
        (when (boundp 'lsp-inline-completion-idle-delay)
          (set 'lsp-inline-completion-idle-delay 0.1))
        ;; The stand-in for pyright/pylsp: a main (not add-on) client for python-mode.  It is
        ;; an Atelier server too, made to look like pyright: no inline completion offered.
        (lsp-register-client
         (make-lsp-client
          :new-connection (lsp-stdio-connection
                           (append (json-read-from-string (getenv "ATELIER_TEST_MAIN_CMD")) nil))
          :major-modes '(python-mode)
          :server-id 'test-main
          :initialized-fn (lambda (ws)
                            (let ((caps (lsp--workspace-server-capabilities ws)))
                              (if (hash-table-p caps)
                                  (remhash "inlineCompletionProvider" caps)
                                (setf (lsp--workspace-server-capabilities ws)
                                      (map-delete caps :inlineCompletionProvider)))))))
        (setq lsp-enabled-clients '(atelier test-main) ; no other Python server this machine has
              lsp-session-file (expand-file-name "lsp-session" (file-name-directory file))
              lsp-keep-workspace-alive nil
              lsp-restart 'ignore
              lsp-enable-snippet nil
              lsp-enable-file-watchers nil
              lsp-headerline-breadcrumb-enable nil
              lsp-modeline-code-actions-enable nil
              lsp-modeline-diagnostics-enable nil
              lsp-modeline-workspace-status-enable nil
              lsp-lens-enable nil
              lsp-log-io t)
        (lsp-workspace-folders-add (file-name-directory file)) ; else lsp-mode asks for the root
        (find-file file)
        (define-key python-mode-map (kbd "TAB")
          (lambda () (interactive) (setq driver--tabs (1+ driver--tabs))))
        (lsp)
        (driver--wait "both servers"
                      (lambda () (and (= 2 (length (lsp-workspaces)))
                                      (seq-every-p (lambda (ws) (eq (lsp--workspace-status ws) 'initialized))
                                                   (lsp-workspaces)))))
        (push (cons 'servers (mapcar (lambda (ws) (lsp--client-server-id (lsp--workspace-client ws)))
                                     (lsp-workspaces)))
              result)
        (push (cons 'ui (if (driver--lsp-mode-ui-p) "lsp-mode" "atelier")) result)
        (driver--wait "ghost text mode" (lambda () (or atelier-lsp-inline-mode (driver--lsp-mode-ui-p))))
        (goto-char (point-min))
        (forward-line (1- (string-to-number (getenv "ATELIER_TEST_LINE"))))
        (end-of-line)
        ;; No ghost text: TAB is python-mode's own.
        (execute-kbd-macro (kbd "TAB"))
        (push (cons 'tabs_without_ghost driver--tabs) result)
        ;; Typing: the ghost text comes by itself.
        (execute-kbd-macro (kbd (getenv "ATELIER_TEST_TYPE")))
        (when (driver--lsp-mode-ui-p)
          ;; lsp-inline-completion-mode asks on an idle timer, and idle timers never run in
          ;; batch mode: ask as that timer does.
          (funcall 'lsp-inline-completion-display 'implicit))
        (driver--wait "ghost text after typing" #'driver--ghost)
        (push (cons 'ghost_typed (driver--ghost)) result)
        ;; Another command dismisses it; coming back asks nothing (nothing was edited).
        (execute-kbd-macro (kbd "C-b"))
        (push (cons 'ghost_after_move (driver--ghost)) result)
        (execute-kbd-macro (kbd "C-f"))
        (accept-process-output nil 0.5)
        (push (cons 'ghost_back (driver--ghost)) result)
        ;; Asked for: the ghost text again, and the key accepts it.
        (driver--ask)
        (driver--wait "ghost text when asked" #'driver--ghost)
        (push (cons 'ghost_asked (driver--ghost)) result)
        (execute-kbd-macro (driver--accept-key))
        (push (cons 'ghost_after_accept (driver--ghost)) result)
        (push (cons 'tabs_total driver--tabs) result)
        (push (cons 'line (buffer-substring-no-properties (line-beginning-position) (point))) result)
        (push (cons 'buffer (buffer-substring-no-properties (point-min) (point-max))) result)
        ;; Accepting ran the item's command on Atelier (what the servers were sent: lsp-log-io).
        (driver--wait "the accepted command's answer"
                      (lambda () (string-match-p "Received response 'workspace/executeCommand"
                                                 (driver--io-log 'atelier))))
        (push (cons 'atelier_io (driver--io-log 'atelier)) result)
        (push (cons 'main_io (driver--io-log 'test-main)) result))
    (error (push (cons 'error (error-message-string err)) result)
           (when (get-buffer "*lsp-log*")
             (push (cons 'log (with-current-buffer "*lsp-log*" (buffer-string))) result))))
  (with-temp-file out (insert (json-encode result)))
  (kill-emacs 0))
