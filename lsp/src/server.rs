//! The `LanguageServer` implementation: protocol plumbing only. Each handler takes the current
//! version of the document, calls one feature module and converts nothing itself.

use crate::convert::Encoding;
use crate::state::ClientFeatures;
use crate::state::{Doc, Loaded, State};
use crate::{
    code_action, completion, diagnostics, folding, formatting, goto_definition, highlight, host,
    hover, inlay_hints, references, rename, semantic_tokens, signature_help, symbols,
    workspace_symbols,
};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// LSP's answer to a request whose document changed while it waited: the editor asks again.
fn content_modified() -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ContentModified,
        message: "the document changed; ask again".into(),
        data: None,
    }
}

/// Runs `f` on a blocking thread, off the async workers. A panic in it (a bug) costs that one
/// answer, never the server.
async fn off_workers<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(f)).ok())
        .await
        .ok()
        .flatten()
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<State>,
}

impl Backend {
    /// Re-reads every open document's prelude (files may have changed, or the defines) and
    /// republishes the documents whose prelude changed.
    async fn reload(&self) {
        let state = self.state.clone();
        let Some(changed) = off_workers(move || state.reload_preludes()).await else {
            return;
        };
        let any = !changed.is_empty();
        for (doc, error) in changed {
            let loaded = Loaded {
                prelude: doc.file.prelude().clone(),
                error,
            };
            self.log_prelude(&doc.uri, &loaded).await;
            self.publish(doc).await;
        }
        let client = self.state.client();
        if any && client.pull_diagnostics && client.diagnostic_refresh {
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
        if any && client.inlay_hint_refresh {
            let _ = self.client.inlay_hint_refresh().await;
        }
    }

    pub fn new(client: Client, state: Arc<State>) -> Self {
        Backend { client, state }
    }

    /// Runs a feature on the current version of a document, off the async workers (its first
    /// request may analyse the version: the server keeps reading the editor's messages
    /// meanwhile). One analysis per core at a time: a request waits for its turn, and one whose
    /// version was replaced meanwhile is answered `ContentModified` at once (LSP's answer for
    /// it: the editor asks again for the new text), so typing never piles up analyses of
    /// versions nobody will see, nor the memory they hold.
    async fn with_doc<T: Send + 'static>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&Doc) -> T + Send + 'static,
    ) -> Result<Option<T>> {
        // Listening before the version is read: no change can slip in between.
        let changed = self.state.changed();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let Some(version) = self.state.get(uri).map(|d| d.version) else {
            return Ok(None);
        };
        let acquire = self.state.work().acquire_owned();
        tokio::pin!(acquire);
        let turn = loop {
            tokio::select! {
                turn = &mut acquire => break turn.ok(),
                _ = &mut changed => {
                    match self.state.get(uri) {
                        None => return Ok(None),
                        Some(d) if d.version != version => return Err(content_modified()),
                        Some(_) => {}
                    }
                    changed.set(self.state.changed());
                    changed.as_mut().enable();
                }
            }
        };
        match self.state.get(uri) {
            // The turn goes with the work: a request the client cancels (its future dropped)
            // keeps it until the analysis it started ends.
            Some(doc) if doc.version == version => Ok(off_workers(move || {
                let _turn = turn;
                f(&doc)
            })
            .await),
            Some(_) => Err(content_modified()),
            None => Ok(None),
        }
    }

    /// Publishes a version's diagnostics in the background: the handler returns at once, so the
    /// server goes on reading the editor's edits while it analyses.
    fn publish_later(&self, doc: Arc<Doc>) {
        let this = self.clone();
        tokio::spawn(async move { this.publish(doc).await });
    }

    /// Analyses a version off the async workers and publishes its diagnostics, unless a newer
    /// version arrived meanwhile. A client that pulls diagnostics gets none pushed (it asks).
    async fn publish(&self, doc: Arc<Doc>) {
        if self.state.client().pull_diagnostics {
            return;
        }
        let (uri, version) = (doc.uri.clone(), doc.version);
        // Waiting for its turn, a version holds no document: a stale one is freed at once.
        drop(doc);
        // One analysis per document at a time; a version that is no longer the latest when its
        // turn comes is skipped, so typing never queues analyses (the latest one still runs).
        let turn = self.state.analysis_turn(&uri);
        let _turn = turn.lock().await;
        let Some(doc) = self.state.get(&uri).filter(|d| d.version == version) else {
            return;
        };

        let Some(diags) = off_workers(move || diagnostics::diagnostics(&doc)).await else {
            return;
        };
        if self.state.is_current(&uri, version) {
            self.client
                .publish_diagnostics(uri, diags, Some(version))
                .await;
        }
    }

    /// Says in the client's log which prelude files a document is read with, which were
    /// ignored, and what could not be read (as `fhc check` says it on stderr).
    async fn log_prelude(&self, uri: &Uri, loaded: &Loaded) {
        let p = &loaded.prelude;
        if let Some(e) = &loaded.error {
            let msg = format!(
                "fhc: {e}; {} is checked without the defaults and services files",
                uri.as_str()
            );
            self.client.log_message(MessageType::WARNING, msg).await;
        }
        for (name, why) in &p.ignored {
            let msg = format!("fhc: ignoring services file {name}: {why}");
            self.client.log_message(MessageType::WARNING, msg).await;
        }
        if !p.sources().is_empty() {
            let names: Vec<&str> = p.sources().iter().map(|s| s.name.as_str()).collect();
            let msg = format!("fhc: {} is read after {}", uri.as_str(), names.join(", "));
            self.client.log_message(MessageType::INFO, msg).await;
        }
    }

    fn capabilities(enc: Encoding, client: ClientFeatures) -> ServerCapabilities {
        ServerCapabilities {
            // Pull diagnostics only for clients that ask for them: the others get them pushed.
            diagnostic_provider: client.pull_diagnostics.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("fhc".to_string()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })
            }),
            inlay_hint_provider: Some(OneOf::Left(true)),
            document_highlight_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            signature_help_provider: Some(SignatureHelpOptions {
                trigger_characters: Some(vec![" ".to_string()]),
                retrigger_characters: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            position_encoding: Some(enc.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    // A saved file may be a defaults or services file the others read.
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec!["$".to_string()]),
                ..CompletionOptions::default()
            }),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: semantic_tokens::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
            ),
            document_formatting_provider: Some(OneOf::Left(true)),
            document_range_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        }
    }

    async fn formatted(
        &self,
        r: Option<std::result::Result<Vec<TextEdit>, String>>,
    ) -> Result<Option<Vec<TextEdit>>> {
        match r {
            Some(Ok(edits)) => Ok(Some(edits)),
            Some(Err(why)) => {
                self.client.log_message(MessageType::WARNING, why).await;
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let enc = Encoding::negotiate(offered);
        let client = ClientFeatures::of(&params.capabilities);
        self.state.set_client(client);
        if let Some(pid) = params.process_id
            && self.state.watch_client
        {
            let _ = crate::client_process::watch(pid);
        }
        self.state.set_encoding(enc);
        if let Some(d) = params
            .initialization_options
            .as_ref()
            .and_then(crate::state::defines_from)
        {
            self.state.set_defines(d);
        }
        Ok(InitializeResult {
            capabilities: Self::capabilities(enc, client),
            server_info: Some(ServerInfo {
                name: "fhc".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.set_shutdown();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        // Read before the first `.await`: a `didChange` handled meanwhile must find the document
        // open. The prelude is a few small files.
        let loaded = self.state.load_prelude(&d.uri);
        let doc = self
            .state
            .open(d.uri, d.version, d.text, loaded.prelude.clone());
        self.log_prelude(&doc.uri, &loaded).await;
        self.publish(doc).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if let Some(d) = crate::state::defines_from(&params.settings) {
            self.state.set_defines(d);
            self.reload().await;
        }
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        self.reload().await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let id = params.text_document;
        if let Some(doc) = self
            .state
            .change(&id.uri, id.version, params.content_changes)
        {
            self.publish_later(doc);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state.close(&uri);
        if !self.state.client().pull_diagnostics {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |d| hover::hover(d, p.position))
            .await?
            .flatten())
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        Ok(self
            .with_doc(&p.text_document.uri, move |d| {
                completion::complete(d, p.position, &host::interfaces())
            })
            .await?
            .map(CompletionResponse::Array))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let locs = self
            .with_doc(&p.text_document.uri, move |d| {
                goto_definition::definition(d, p.position)
            })
            .await?;
        Ok(locs
            .filter(|l| !l.is_empty())
            .map(GotoDefinitionResponse::Array))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let decl = params.context.include_declaration;
        self.with_doc(&p.text_document.uri, move |d| {
            references::references(d, p.position, decl)
        })
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        Ok(self
            .with_doc(&params.text_document.uri, move |d| {
                rename::prepare(d, params.position)
            })
            .await?
            .flatten())
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        match self
            .with_doc(&p.text_document.uri, move |d| {
                rename::rename(d, p.position, &params.new_name)
            })
            .await?
        {
            Some(Ok(edit)) => Ok(edit),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .with_doc(&params.text_document.uri, symbols::document_symbols)
            .await?
            .map(DocumentSymbolResponse::Nested))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.with_doc(&params.text_document.uri, folding::folding_ranges)
            .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self
            .with_doc(&params.text_document.uri, semantic_tokens::semantic_tokens)
            .await?
            .map(SemanticTokensResult::Tokens))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let r = self
            .with_doc(&params.text_document.uri, formatting::format)
            .await?;
        self.formatted(r).await
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let r = self
            .with_doc(&params.text_document.uri, move |d| {
                formatting::format_range(d, params.range)
            })
            .await?;
        self.formatted(r).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.with_doc(&params.text_document.uri, move |d| {
            code_action::code_actions(d, params.range)
        })
        .await
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let previous = params.previous_result_id;
        // A document closed meanwhile (a pull racing didClose) has nothing to report.
        // A version replaced while the pull waited: the protocol's answer for a pull is
        // ServerCancelled with retriggerRequest (the client pulls again).
        let report = match self
            .with_doc(&uri, move |doc| {
                diagnostics::report(doc, previous.as_deref())
            })
            .await
        {
            Ok(r) => r.unwrap_or_else(diagnostics::nothing),
            Err(_) => {
                return Err(Error {
                    code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32802),
                    message: "the document changed; pull again".into(),
                    data: Some(serde_json::json!({"retriggerRequest": true})),
                });
            }
        };
        Ok(DocumentDiagnosticReportResult::Report(report))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.with_doc(&params.text_document.uri, move |d| {
            inlay_hints::inlay_hints(d, params.range)
        })
        .await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |d| {
                highlight::highlights(d, p.position)
            })
            .await?
            .filter(|h| !h.is_empty()))
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |d| {
                signature_help::signature_help(d, p.position)
            })
            .await?
            .flatten())
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let docs = self.state.all();
        let symbols = off_workers(move || workspace_symbols::symbols(&docs, &params.query))
            .await
            .unwrap_or_default();
        Ok(Some(WorkspaceSymbolResponse::Nested(symbols)))
    }
}
