// Atelier for Visual Studio 2022: an ILanguageClient that starts `atelier serve` over stdio.
// Visual Studio's LSP client then asks it for completions (the popup item) in the content
// types below.
using System;
using System.Collections.Generic;
using System.ComponentModel.Composition;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.VisualStudio.LanguageServer.Client;
using Microsoft.VisualStudio.Threading;
using Microsoft.VisualStudio.Utilities;
using Newtonsoft.Json.Linq;

namespace Atelier.VisualStudio
{
    // Built-in content types, plus Atelier's own for languages Visual Studio has no editor for.
    [ContentType("CSharp")]
    [ContentType("C/C++")]
    [ContentType("Python")]
    [ContentType("JavaScript")]
    [ContentType("TypeScript")]
    [ContentType(AtelierContentDefinition.Name)]
    [Export(typeof(ILanguageClient))]
    public sealed class AtelierLanguageClient : ILanguageClient
    {
        public string Name => "Atelier";

        // didChangeConfiguration sends this section (from .vs/VSWorkspaceSettings.json).
        public IEnumerable<string> ConfigurationSections => new[] { "atelier" };

        // The server's settings object ({"model": {...}, "completion": {...}}) as JSON in
        // %ATELIER_SETTINGS%; none: the server's defaults.
        public object? InitializationOptions
        {
            get
            {
                var json = Environment.GetEnvironmentVariable("ATELIER_SETTINGS");
                return string.IsNullOrWhiteSpace(json) ? null : JToken.Parse(json);
            }
        }

        public IEnumerable<string>? FilesToWatch => null;

        public bool ShowNotificationOnInitializeFailed => true;

        public event AsyncEventHandler<EventArgs>? StartAsync;
        public event AsyncEventHandler<EventArgs>? StopAsync;

        public Task<Connection?> ActivateAsync(CancellationToken token)
        {
            // %ATELIER_COMMAND%: the atelier executable, e.g. C:\atelier\.venv\Scripts\atelier.exe
            var command = Environment.GetEnvironmentVariable("ATELIER_COMMAND");
            var info = new ProcessStartInfo
            {
                FileName = string.IsNullOrWhiteSpace(command) ? "atelier" : command,
                Arguments = "serve",
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = false, // the server also logs to atelier.log
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            var process = Process.Start(info);
            return Task.FromResult<Connection?>(
                process == null ? null : new Connection(process.StandardOutput.BaseStream, process.StandardInput.BaseStream));
        }

        public async Task OnLoadedAsync()
        {
            if (StartAsync != null)
            {
                await StartAsync.InvokeAsync(this, EventArgs.Empty);
            }
        }

        public Task OnServerInitializedAsync() => Task.CompletedTask;

        public Task<InitializationFailureContext?> OnServerInitializeFailedAsync(ILanguageClientInitializationInfo initializationState)
        {
            return Task.FromResult<InitializationFailureContext?>(new InitializationFailureContext
            {
                FailureMessage = "Atelier did not start (" + (initializationState.InitializationException?.Message
                    ?? initializationState.StatusMessage) + "). Set ATELIER_COMMAND to the atelier executable and restart Visual Studio.",
            });
        }
    }

    /// <summary>Go, Rust and Java files, which Visual Studio has no content type for.</summary>
    public static class AtelierContentDefinition
    {
        public const string Name = "atelier-code";

        [Export]
        [Name(Name)]
        [BaseDefinition(CodeRemoteContentDefinition.CodeRemoteContentTypeName)]
        internal static ContentTypeDefinition? Definition;

        [Export]
        [FileExtension(".go")]
        [ContentType(Name)]
        internal static FileExtensionToContentTypeDefinition? Go;

        [Export]
        [FileExtension(".rs")]
        [ContentType(Name)]
        internal static FileExtensionToContentTypeDefinition? Rust;

        [Export]
        [FileExtension(".java")]
        [ContentType(Name)]
        internal static FileExtensionToContentTypeDefinition? Java;
    }
}
