;;; atelier.el --- Atelier code completion through eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools

;;; Commentary:

;; Registers `atelier serve' (an on-premise language server completing code with a local
;; model) with eglot for the modes in `atelier-modes'.  Eglot has no inline (ghost text)
;; completion, so Atelier's answer is the one multi-line item of `completion-at-point'
;; (M-TAB, or company/corfu), labelled "Atelier".
;;
;; Limitation: eglot runs one server per buffer, so in these modes Atelier *replaces* the
;; language's own server (pyright, clangd, ...).  To keep it and get ghost text, use
;; lsp-mode with atelier-lsp.el instead: Atelier runs there as an add-on server.
;;
;;   (add-to-list 'load-path "/path/to/atelier/editors/emacs")
;;   (require 'atelier)
;;   (setq atelier-command '("/path/to/atelier/.venv/bin/atelier" "serve"))
;;   (atelier-setup)                 ; then M-x eglot, or eglot-ensure in the mode hooks

;;; Code:

(require 'eglot)

(defgroup atelier nil
  "On-premise code completion with the Atelier language server."
  :group 'tools
  :prefix "atelier-")

(defcustom atelier-command '("atelier" "serve")
  "The command line that starts the Atelier language server."
  :type '(repeat string))

(defcustom atelier-modes
  '(python-mode python-ts-mode js-mode js-ts-mode typescript-mode typescript-ts-mode
    tsx-ts-mode go-mode go-ts-mode rust-mode rust-ts-mode java-mode java-ts-mode
    c-mode c-ts-mode c++-mode c++-ts-mode csharp-mode csharp-ts-mode)
  "Major modes in which eglot uses Atelier."
  :type '(repeat symbol))

(defcustom atelier-settings nil
  "Atelier's settings, sent as initializationOptions.
A plist shaped like the server's JSON object, for example
  (:completion (:max_tokens 64) :model (:path \"/models/coder.gguf\"))
Use :json-false for false.  Nil sends nothing: the server's defaults."
  :type 'plist)

(defun atelier--contact (&optional _interactive)
  "The eglot contact: the command, and the settings as initializationOptions."
  ;; A function, so that changes to the two options apply to the next server started.
  (append atelier-command
          (and atelier-settings (list :initializationOptions atelier-settings))))

;;;###autoload
(defun atelier-setup ()
  "Make eglot start Atelier in `atelier-modes'."
  (interactive)
  (setq eglot-server-programs
        (cons (cons atelier-modes #'atelier--contact)
              (seq-remove (lambda (entry) (eq (cdr entry) #'atelier--contact))
                          eglot-server-programs))))

(defun atelier-configure (settings)
  "Send SETTINGS, a plist like `atelier-settings', to the running Atelier servers.
They are merged onto the current ones; a change under :model reloads the model."
  (dolist (server (hash-table-values eglot--servers-by-project))
    (dolist (s server)
      (when (string-match-p "atelier" (or (plist-get (eglot--server-info s) :name) ""))
        (jsonrpc-notify s :workspace/didChangeConfiguration
                        (list :settings (list :atelier settings)))))))

(provide 'atelier)
;;; atelier.el ends here
