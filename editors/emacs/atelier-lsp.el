;;; atelier-lsp.el --- Atelier code completion as an lsp-mode add-on server  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (lsp-mode "8.0"))
;; Keywords: languages, tools

;;; Commentary:

;; Registers `atelier serve' (an on-premise language server completing code with a local
;; model) with lsp-mode as an add-on server (`:add-on? t'): it runs beside the language's own
;; server (pyright, pylsp, clangd, gopls, ...), which keeps its diagnostics, navigation and
;; popup completion, while Atelier adds ghost text.
;;
;;   (add-to-list 'load-path "/path/to/atelier/editors/emacs")
;;   (setq atelier-lsp-command '("/path/to/atelier/.venv/bin/atelier" "serve"))
;;   (require 'atelier-lsp)          ; registers the client; then M-x lsp (or lsp-deferred)
;;
;; Ghost text (LSP 3.18 textDocument/inlineCompletion):
;; - lsp-mode with lsp-inline-completion.el (after 9.0.0: MELPA since December 2024):
;;   lsp-mode's own `lsp-inline-completion-mode' is turned on in Atelier's buffers.  The
;;   suggestion shows after `lsp-inline-completion-idle-delay'; the keys are those of
;;   `lsp-inline-completion-active-map' (today: C-<return> accepts, C-n / C-p next and
;;   previous, C-g or ESC dismisses); M-x lsp-inline-completion-display asks at once.
;; - lsp-mode 8 (Debian's elpa-lsp-mode) has none, so `atelier-lsp-inline-mode' below does
;;   it: the suggestion is asked for `atelier-lsp-delay' seconds after an edit and shown
;;   after the cursor; TAB accepts it (TAB does what it did before when nothing is shown),
;;   any other command (C-g, moving, typing) dismisses it; C-c ] asks at once.
;; Set `atelier-lsp-inline' to choose.
;;
;; With eglot instead (atelier.el), Atelier replaces the language's server and its answer is a
;; popup item, not ghost text.

;;; Code:

(require 'lsp-mode)
(require 'lsp-inline-completion nil t)   ; lsp-mode after 9.0.0

(declare-function lsp-inline-completion-mode "lsp-inline-completion" (&optional arg))

(defgroup atelier-lsp nil
  "On-premise code completion with the Atelier language server in lsp-mode."
  :group 'tools
  :prefix "atelier-lsp-")

(defcustom atelier-lsp-command '("atelier" "serve")
  "The command line that starts the Atelier language server."
  :type '(repeat string))

(defcustom atelier-lsp-modes
  '(python-mode python-ts-mode js-mode js-ts-mode typescript-mode typescript-ts-mode
    tsx-ts-mode go-mode go-ts-mode rust-mode rust-ts-mode java-mode java-ts-mode
    c-mode c-ts-mode c++-mode c++-ts-mode csharp-mode csharp-ts-mode)
  "Major modes (and modes derived from them) in which lsp-mode adds Atelier."
  :type '(repeat symbol))

(defcustom atelier-lsp-settings nil
  "Atelier's settings, sent as initializationOptions.
A plist shaped like the server's JSON object, for example
  (:completion (:max_tokens 64) :model (:path \"/models/coder.gguf\"))
Use :json-false for false.  Nil sends nothing: the server's defaults."
  :type 'plist)

(defcustom atelier-lsp-inline 'auto
  "How Atelier's ghost text is shown.
`auto': lsp-mode's `lsp-inline-completion-mode' where lsp-mode has
it (after 9.0.0), else `atelier-lsp-inline-mode'; `atelier': always
`atelier-lsp-inline-mode'; nil: no ghost text."
  :type '(choice (const auto) (const atelier) (const :tag "None" nil)))

(defcustom atelier-lsp-delay 0.3
  "Seconds after an edit before `atelier-lsp-inline-mode' asks for ghost text."
  :type 'number)

(defface atelier-lsp-ghost '((t :inherit shadow))
  "Face of Atelier's ghost text.")

;;;; The server

(defun atelier-lsp--workspace ()
  "The Atelier workspace of the current buffer, or nil."
  (seq-find (lambda (ws) (eq (lsp--client-server-id (lsp--workspace-client ws)) 'atelier))
            (lsp-workspaces)))

(defun atelier-lsp--after-open ()
  "Turn ghost text on in a buffer Atelier has just opened."
  (pcase atelier-lsp-inline
    ('auto (if (fboundp 'lsp-inline-completion-mode)
               (lsp-inline-completion-mode 1)
             (atelier-lsp-inline-mode 1)))
    ('atelier (atelier-lsp-inline-mode 1))))

(lsp-register-client
 (make-lsp-client
  ;; Functions, so that changes to the options apply to the next server started.
  :new-connection (lsp-stdio-connection (lambda () atelier-lsp-command))
  :activation-fn (lambda (_file mode) (apply #'provided-mode-derived-p mode atelier-lsp-modes))
  :add-on? t
  :server-id 'atelier
  :initialization-options (lambda () atelier-lsp-settings)
  :after-open-fn #'atelier-lsp--after-open))

(defun atelier-lsp-configure (settings)
  "Send SETTINGS, a plist like `atelier-lsp-settings', to the Atelier servers.
They are merged onto the current ones; a change under :model reloads the model."
  (dolist (ws (lsp--session-workspaces (lsp-session)))
    (when (eq (lsp--client-server-id (lsp--workspace-client ws)) 'atelier)
      (with-lsp-workspace ws
        (lsp-notify "workspace/didChangeConfiguration"
                    (list :settings (list :atelier settings)))))))

;;;; Ghost text for lsp-mode 8

(defvar atelier-lsp-inline-mode)
(defvar-local atelier-lsp--overlay nil "The overlay showing the ghost text.")
(defvar-local atelier-lsp--item nil
  "The item shown: (START END TEXT COMMAND), START and END markers.")
(defvar-local atelier-lsp--timer nil "The timer that will ask for ghost text.")
(defvar-local atelier-lsp--tick nil
  "`buffer-chars-modified-tick' after the last command.")

(defun atelier-lsp--get (object key)
  "The field KEY (:insertText) of OBJECT, a JSON object as lsp-mode parses it."
  (if (hash-table-p object)
      (gethash (substring (symbol-name key) 1) object)
    (plist-get object key)))

(defun atelier-lsp--items (result)
  "The InlineCompletionItems of RESULT: an InlineCompletionList or a list of them."
  (append (if (or (hash-table-p result) (keywordp (car-safe result)))
              (atelier-lsp--get result :items)
            result)
          nil))

(defun atelier-lsp--point (position)
  "The buffer position of an LSP POSITION."
  (lsp--line-character-to-point (atelier-lsp--get position :line)
                                (atelier-lsp--get position :character)))

(defun atelier-lsp-dismiss ()
  "Remove the ghost text."
  (interactive)
  (when atelier-lsp--overlay
    (delete-overlay atelier-lsp--overlay))
  (when atelier-lsp--item
    (set-marker (nth 0 atelier-lsp--item) nil)
    (set-marker (nth 1 atelier-lsp--item) nil))
  (setq atelier-lsp--overlay nil
        atelier-lsp--item nil))

(defun atelier-lsp--show (item)
  "Show ITEM, an InlineCompletionItem, as ghost text."
  (atelier-lsp-dismiss)
  (let* ((text (atelier-lsp--get item :insertText))
         (text (if (stringp text) text (atelier-lsp--get text :value))) ; a StringValue
         (range (atelier-lsp--get item :range))
         (start (if range (atelier-lsp--point (atelier-lsp--get range :start)) (point)))
         (end (if range (atelier-lsp--point (atelier-lsp--get range :end)) (point)))
         (old (buffer-substring-no-properties start end)))
    (when (and (stringp text) (not (string-empty-p text)) (not (equal text old)))
      (let* ((insertion (string-prefix-p old text)) ; else a replacement: old struck through
             (ghost (propertize (if insertion (substring text (length old)) text)
                                'face 'atelier-lsp-ghost)))
        (put-text-property 0 1 'cursor t ghost) ; the cursor stays before the ghost text
        (setq atelier-lsp--item (list (copy-marker start) (copy-marker end t) text
                                      (atelier-lsp--get item :command))
              atelier-lsp--overlay (make-overlay (if insertion end start) end nil t))
        (unless insertion
          (overlay-put atelier-lsp--overlay 'face '(:strike-through t)))
        (overlay-put atelier-lsp--overlay 'after-string ghost)
        (overlay-put atelier-lsp--overlay 'priority 9000)))))

(defun atelier-lsp-complete (&optional automatic)
  "Ask Atelier for a completion at point and show it as ghost text.
AUTOMATIC non-nil: asked after typing rather than by the user."
  (interactive)
  (when-let ((ws (atelier-lsp--workspace)))
    (let ((buffer (current-buffer))
          (tick (buffer-chars-modified-tick))
          (pos (point)))
      (with-lsp-workspace ws           ; only Atelier, not the language's own server
        (lsp-request-async
         "textDocument/inlineCompletion"
         (append (lsp--text-document-position-params)
                 (list :context (list :triggerKind (if automatic 2 1))))
         (lambda (result)
           ;; An answer for another text or place than the one now shown is dropped.
           (when (and (eq (window-buffer) buffer) atelier-lsp-inline-mode
                      (= tick (buffer-chars-modified-tick)) (= pos (point)))
             (when-let ((item (car (atelier-lsp--items result))))
               (atelier-lsp--show item))))
         :mode 'tick                   ; an edit cancels the request ($/cancelRequest)
         :error-handler #'ignore
         :cancel-token (cons 'atelier-lsp buffer)))))) ; a new request cancels the last one

(defun atelier-lsp-accept ()
  "Insert the ghost text shown."
  (interactive)
  (when-let ((item atelier-lsp--item))
    (let ((start (marker-position (nth 0 item)))
          (end (marker-position (nth 1 item)))
          (text (nth 2 item))
          (command (nth 3 item)))
      (atelier-lsp-dismiss)
      (goto-char start)
      (delete-region start end)
      (insert text)
      (when-let ((ws (and command (atelier-lsp--workspace))))
        (with-lsp-workspace ws          ; tells the server the completion was accepted
          (lsp-request-async "workspace/executeCommand"
                             (append (list :command (atelier-lsp--get command :command))
                                     (when-let ((args (atelier-lsp--get command :arguments)))
                                       (list :arguments args)))
                             #'ignore :error-handler #'ignore))))))

(defun atelier-lsp--if-shown (command)
  "COMMAND while ghost text shows, else nil: the key does what it did before."
  (and atelier-lsp--overlay command))

(defun atelier-lsp--ask-later (buffer pos tick)
  "Ask for ghost text if BUFFER is still current, at POS and TICK."
  (when (and (eq (current-buffer) buffer) (= pos (point))
             (= tick (buffer-chars-modified-tick)))
    (atelier-lsp-complete t)))

(defun atelier-lsp--post-command ()
  "Dismiss the ghost text after any command; ask again after an edit."
  ;; No command: the hook run on entering a command loop (a keyboard macro), before any key.
  (when this-command
    (atelier-lsp-dismiss))
  (when atelier-lsp--timer
    (cancel-timer atelier-lsp--timer)
    (setq atelier-lsp--timer nil))
  (let ((tick (buffer-chars-modified-tick)))
    (unless (eql tick atelier-lsp--tick)
      (setq atelier-lsp--tick tick
            atelier-lsp--timer (run-with-timer atelier-lsp-delay nil #'atelier-lsp--ask-later
                                               (current-buffer) (point) tick)))))

(defvar atelier-lsp-inline-mode-map
  (let ((map (make-sparse-keymap))
        (accept '(menu-item "" atelier-lsp-accept :filter atelier-lsp--if-shown)))
    (define-key map (kbd "TAB") accept)
    (define-key map [tab] accept)
    (define-key map (kbd "C-c ]") #'atelier-lsp-complete)
    map)
  "Keys of `atelier-lsp-inline-mode'.")

(define-minor-mode atelier-lsp-inline-mode
  "Atelier's ghost text, for lsp-mode without `lsp-inline-completion-mode'.
\\{atelier-lsp-inline-mode-map}"
  :lighter nil
  (if atelier-lsp-inline-mode
      (progn
        (setq atelier-lsp--tick (buffer-chars-modified-tick))
        (add-hook 'post-command-hook #'atelier-lsp--post-command nil t))
    (remove-hook 'post-command-hook #'atelier-lsp--post-command t)
    (when atelier-lsp--timer
      (cancel-timer atelier-lsp--timer)
      (setq atelier-lsp--timer nil))
    (atelier-lsp-dismiss)))

(provide 'atelier-lsp)
;;; atelier-lsp.el ends here
