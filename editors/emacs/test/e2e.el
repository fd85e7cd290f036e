;;; e2e.el --- End-to-end test of quoteline.el with Eglot and the real server  -*- lexical-binding: t; -*-
;; Run by test/run.sh:
;;   emacs --batch -L editors/emacs -l editors/emacs/test/e2e.el BIN WORKSPACE
;; WORKSPACE holds corpus/ and draft.md (editors/testdata/draft.md: a quote of the cable with
;; "far" changed to "much").  Prints one line per check and "N passed, N failed"; exits 1 on
;; any failure.

(require 'quoteline)

(defvar e2e-bin (nth 0 command-line-args-left))
(defvar e2e-workspace (nth 1 command-line-args-left))
(setq command-line-args-left nil)
(defvar e2e-wait-seconds 20)
(defvar e2e-passed 0)
(defvar e2e-failed 0)

(defun e2e-say (format-string &rest args)
  (princ (concat (apply #'format format-string args) "\n")))

(defmacro e2e-check (name &rest body)
  "Run BODY as the check NAME; an error in it is a failure with the error's text."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body (setq e2e-passed (1+ e2e-passed)) (e2e-say "ok - %s" ,name) t)
     (error (setq e2e-failed (1+ e2e-failed))
            (e2e-say "not ok - %s: %s" ,name (error-message-string err))
            nil)))

(defun e2e-wait-for (what predicate)
  "Process server output until PREDICATE holds, or fail after `e2e-wait-seconds'."
  (let ((deadline (+ (float-time) e2e-wait-seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall predicate)
      (error "timed out waiting for %s" what))))

(defun e2e-finish ()
  (e2e-say "%d passed, %d failed" e2e-passed e2e-failed)
  (kill-emacs (if (and (= e2e-failed 0) (> e2e-passed 0)) 0 1)))

;; Diagnostics as the server publishes them, before Flymake's own timers get to them.
(defvar e2e-diagnostics nil)
(advice-add 'eglot-handle-notification :before
            (lambda (_server method &rest params)
              (when (eq method 'textDocument/publishDiagnostics)
                (setq e2e-diagnostics (append (plist-get params :diagnostics) nil)))))

(setq quoteline-command (list e2e-bin "lsp")
      quoteline-options '(:minWords 4 :severity (:drift "warning"))
      eglot-sync-connect 10
      ;; No desktop prompts in batch mode.
      eglot-autoshutdown t
      project-list-file (expand-file-name "projects" e2e-workspace))

(find-file (expand-file-name "draft.md" e2e-workspace))
;; markdown-mode is not part of Emacs; text-mode is the fallback quoteline serves as plaintext.
(if (fboundp 'markdown-mode) (markdown-mode) (text-mode))
(e2e-say "# major mode: %s" major-mode)

(unless (e2e-check "Eglot starts the quoteline server for the draft"
          (apply #'eglot (eglot--guess-contact))
          (e2e-wait-for "the server" (lambda () (eglot-current-server)))
          (unless (cl-typep (eglot-current-server) 'quoteline-server)
            (error "the server is a %s" (type-of (eglot-current-server)))))
  (e2e-finish))

(defun e2e-drift ()
  (cl-find-if (lambda (d) (equal (plist-get d :code) "drift")) e2e-diagnostics))

(defvar e2e-drift nil)
(e2e-check "a drift diagnostic from quoteline names both words"
  (e2e-wait-for "a drift diagnostic" #'e2e-drift)
  (setq e2e-drift (e2e-drift))
  (let ((message (plist-get e2e-drift :message)))
    (unless (equal (plist-get e2e-drift :source) "quoteline") (error "source: %S" (plist-get e2e-drift :source)))
    (unless (and (string-search "‘far’" message) (string-search "‘much’" message))
      (error "message: %s" message))))

(e2e-check "the index status arrives"
  (e2e-wait-for "quoteline/status ready"
                (lambda () (equal (plist-get quoteline-index-status :state) "ready"))))

(goto-char (point-min))
(search-forward "much more likely")
(backward-char 6)

(e2e-check "hover on the quote shows the source passage"
  (let* ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
         (contents (plist-get hover :contents))
         (text (if (stringp contents) contents (plist-get contents :value))))
    (unless (and text (string-search "far more likely to oppose it" text))
      (error "hover: %S" hover))))

(e2e-check "quoteline-show-source opens the cable"
  (save-window-excursion
    (quoteline-show-source)
    (unless (string-suffix-p "state-dept-cable-2011.txt" (or buffer-file-name ""))
      (error "opened %s" buffer-file-name))))

(e2e-check "the quick fix replaces the quote with the source wording"
  (unless e2e-drift (error "no drift diagnostic to fix"))
  (let* ((actions (jsonrpc-request (eglot-current-server) :textDocument/codeAction
                                   (list :textDocument (eglot--TextDocumentIdentifier)
                                         :range (plist-get e2e-drift :range)
                                         :context (list :diagnostics (vector e2e-drift)
                                                        :only ["quickfix"]))))
         (fix (cl-find-if (lambda (a) (string-search "source wording" (plist-get a :title)))
                          (append actions nil))))
    (unless fix (error "no 'Replace with the source wording' among %S"
                       (mapcar (lambda (a) (plist-get a :title)) actions)))
    (eglot--apply-workspace-edit (plist-get fix :edit))
    (let ((text (buffer-string)))
      (unless (string-search "they are far more likely to oppose it than support it”" text)
        (error "buffer: %s" text)))))

(e2e-check "completion after [@ offers corpus keys"
  (goto-char (point-max))
  (insert "\nSee [@")
  (eglot--signal-textDocument/didChange)
  (let* ((result (jsonrpc-request (eglot-current-server) :textDocument/completion
                                  (append (eglot--TextDocumentPositionParams)
                                          (list :context (list :triggerKind 2 :triggerCharacter "@")))))
         (items (append (if (vectorp result) result (plist-get result :items)) nil))
         (labels (mapcar (lambda (i) (plist-get i :label)) items)))
    (unless (member "state-dept-cable-2011" labels) (error "labels: %S" labels))))

(e2e-check "quoteline-reindex runs the server command"
  (quoteline-reindex))

(e2e-finish)
;;; e2e.el ends here
