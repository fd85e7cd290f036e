;;; quoteline.el --- Eglot setup for the quoteline language server  -*- lexical-binding: t; -*-

;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: tools, wp, languages

;;; Commentary:

;; quoteline checks every quotation in a Markdown, LaTeX or plain-text draft against a
;; corpus of source documents.  This file registers `quoteline lsp' with Eglot for
;; Markdown, LaTeX/TeX and text buffers, passes `quoteline-options' to the server (as
;; initializationOptions and as the `quoteline' section of workspace/configuration), and
;; adds commands for the corpus.
;;
;;   (add-to-list 'load-path "~/src/quoteline/editors/emacs")
;;   (require 'quoteline)
;;   (setq quoteline-options '(:minWords 5 :severity (:drift "error")))
;;   (add-hook 'markdown-mode-hook #'eglot-ensure)
;;
;; Diagnostics appear through Flymake, quick fixes with `eglot-code-actions', the source
;; passage with `eldoc', key completion after `[@' with `completion-at-point'.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'xref)

(defgroup quoteline nil
  "Check quotations against their source documents."
  :group 'tools
  :prefix "quoteline-")

(defcustom quoteline-command '("quoteline" "lsp")
  "The command that starts the quoteline language server."
  :type '(repeat string))

(defcustom quoteline-options nil
  "Server options: a plist with the camelCase keys of quoteline's src/options.json.
For example (:minWords 5 :severity (:drift \"error\") :corpus [\"corpus\" \"notes\"]).
Lists meant as JSON arrays must be vectors.  nil sends {} and leaves the server's
defaults (or the project's quoteline.toml) in force."
  :type 'plist)

(defconst quoteline-modes
  '((markdown-mode :language-id "markdown")
    (gfm-mode :language-id "markdown")
    (latex-mode :language-id "latex")
    (LaTeX-mode :language-id "latex")
    (tex-mode :language-id "tex")
    (plain-tex-mode :language-id "tex")
    ;; Last: Markdown and TeX modes derive from text-mode, and Eglot takes the first match.
    (text-mode :language-id "plaintext"))
  "Major modes quoteline serves, with the LSP language ids the server expects.")

(defclass quoteline-server (eglot-lsp-server) ()
  :documentation "The quoteline language server.")

(defun quoteline--options ()
  "`quoteline-options' as JSON: an empty plist must still be an object."
  (or quoteline-options (make-hash-table)))

(cl-defmethod eglot-initialization-options ((_server quoteline-server))
  (quoteline--options))

(cl-defmethod eglot-handle-request
  ((server quoteline-server) (_method (eql workspace/configuration)) &key items)
  "Answer the `quoteline' section from `quoteline-options', other sections as Eglot does."
  (if (cl-some (lambda (item) (equal (plist-get item :section) "quoteline")) items)
      (apply #'vector
             (mapcar (lambda (item)
                       (if (equal (plist-get item :section) "quoteline") (quoteline--options) nil))
                     items))
    (cl-call-next-method server 'workspace/configuration :items items)))

(defvar quoteline-index-status nil
  "The last `quoteline/status' params from the server: (:state :sources :passages :message).")

(cl-defmethod eglot-handle-notification
  ((_server quoteline-server) (_method (eql quoteline/status)) &rest status)
  "Keep the index state the server reports, for `quoteline-status' and mode lines."
  (setq quoteline-index-status status)
  (force-mode-line-update t))

(defun quoteline-status ()
  "Show the state of the corpus index."
  (interactive)
  (let ((status quoteline-index-status))
    (message "%s"
             (pcase (plist-get status :state)
               ('nil "quoteline: no status yet")
               ("indexing" "quoteline: indexing")
               ("ready" (format "quoteline: %s sources, %s passages"
                                (plist-get status :sources) (plist-get status :passages)))
               (_ (format "quoteline: error: %s" (or (plist-get status :message) "?")))))))

(defun quoteline--contact (&optional _interactive)
  "The Eglot contact: read at connection time, so a changed `quoteline-command' applies."
  (unless (executable-find (car quoteline-command))
    (user-error "quoteline: `%s' not found; install it or set `quoteline-command'"
                (car quoteline-command)))
  (cons 'quoteline-server quoteline-command))

(add-to-list 'eglot-server-programs (cons quoteline-modes #'quoteline--contact))

(defun quoteline--server ()
  "The quoteline server of the current buffer, or an error saying how to start one."
  (let ((server (eglot-current-server)))
    (unless (and server (cl-typep server 'quoteline-server))
      (user-error "quoteline: no quoteline server for this buffer (M-x eglot)"))
    server))

(defun quoteline-reindex ()
  "Ask the server to read the corpus again."
  (interactive)
  (eglot-execute-command (quoteline--server) "quoteline.reindex" [])
  (message "quoteline: reindexing"))

(defun quoteline-restart ()
  "Restart the quoteline server of the current buffer."
  (interactive)
  (eglot-reconnect (quoteline--server)))

(defun quoteline-show-source ()
  "Open the source passage of the quote at point in another window."
  (interactive)
  (quoteline--server)
  (let ((split-width-threshold 0))          ; prefer a side-by-side split
    (xref-find-definitions-other-window (xref-backend-identifier-at-point 'eglot))))

(defun quoteline-search (query)
  "Search the corpus for QUERY (LSP workspace/symbol) and list the passages."
  (interactive "sSearch corpus: ")
  (quoteline--server)
  (xref-find-apropos query))

(provide 'quoteline)
;;; quoteline.el ends here
