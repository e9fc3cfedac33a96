using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// The admin commands that talk to a server's API: <c>scan</c>, <c>report</c>, <c>workers</c>, <c>registry import</c>,
/// <c>audit</c>, <c>audit verify</c>. <c>--server</c> / <c>--token</c> or COMFYDOCTOR_SERVER / COMFYDOCTOR_ADMIN_TOKEN.
/// They print the server's JSON (indented), so scripts and people read the same thing.
/// </summary>
public static class AdminCommands
{
    private static readonly Option<Uri?> Server = UriOptions.Http("--server", "The server's URL (or COMFYDOCTOR_SERVER)");
    private static readonly Option<string?> Token = new("--token") { Description = "The admin token (or COMFYDOCTOR_ADMIN_TOKEN)" };

    public static IEnumerable<Command> Create()
    {
        var workers = new Option<string[]>("--workers") { Description = "Workers to scan (default: all)", AllowMultipleArgumentsPerToken = true };
        var deep = new Option<bool>("--deep") { Description = "Re-read every byte" };
        yield return Command("scan", "Request an integrity scan of workers", [workers, deep],
            (http, parse, ct) => http.PostAsJsonAsync("admin/integrity-scan", new { workers = parse.GetValue(workers), deep = parse.GetValue(deep) }, ct));

        var worker = new Argument<string>("worker") { Description = "The worker's name" };
        yield return Command("report", "Print a worker's latest report", [worker],
            (http, parse, ct) => http.GetAsync($"admin/integrity-report/{Uri.EscapeDataString(parse.GetValue(worker)!)}", ct));

        yield return Command("workers", "List the workers and their lights", [], (http, _, ct) => http.GetAsync("admin/workers", ct));

        var compared = new Option<string?>("--workers") { Description = "Comma-separated workers to compare (default: all)" };
        var reference = new Option<string?>("--reference") { Description = "Mark differences from this worker (default: from the majority)" };
        yield return Command("compare", "Line up workers attribute by attribute and mark the differences", [compared, reference], (http, parse, ct) =>
            http.GetAsync($"admin/compare?workers={Uri.EscapeDataString(parse.GetValue(compared) ?? "")}&reference={Uri.EscapeDataString(parse.GetValue(reference) ?? "")}", ct));

        var file = new Argument<FileInfo>("file") { Description = "A registry file (JSON or YAML)" };
        var registry = new Command("registry", "The asset registry of known-good models");
        registry.Subcommands.Add(Command("import", "Import a registry file into the server", [file], async (http, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            using var body = new StringContent(path.Exists ? await File.ReadAllTextAsync(path.FullName, ct) : throw new UsageException($"file not found: {path.FullName}"));
            return await http.PostAsync("admin/models", body, ct);
        }));
        var adoptWorker = new Argument<string>("worker") { Description = "The trusted worker whose verified models become known-good" };
        registry.Subcommands.Add(Command("adopt", "Register a trusted worker's verified models as known-good", [adoptWorker],
            (http, parse, ct) => http.PostAsync($"admin/models/adopt/{Uri.EscapeDataString(parse.GetValue(adoptWorker)!)}", null, ct)));
        yield return registry;

        var workflowFile = new Argument<FileInfo>("file") { Description = "A workflow JSON (UI or API shape)" };
        var workflowName = new Option<string?>("--name") { Description = "The workflow's name (default: the file name)" };
        var workflows = new Command("workflows", "Registered workflows: what every worker must be able to run");
        workflows.Subcommands.Add(Command("add", "Register a workflow (its node types and models become requirements)", [workflowFile, workflowName], async (http, parse, ct) =>
        {
            var path = parse.GetValue(workflowFile)!;
            using var body = new StringContent(path.Exists ? await File.ReadAllTextAsync(path.FullName, ct) : throw new UsageException($"file not found: {path.FullName}"));
            return await http.PostAsync($"admin/workflows?name={Uri.EscapeDataString(parse.GetValue(workflowName) ?? path.Name)}", body, ct);
        }));
        workflows.Subcommands.Add(Command("list", "List the registered workflows and their requirements", [], (http, _, ct) => http.GetAsync("admin/workflows", ct)));
        yield return workflows;

        var cron = new Argument<string>("cron") { Description = "A 5-field cron expression in UTC, e.g. \"0 3 * * *\"" };
        yield return Command("schedule", "Scan the whole fleet on a schedule", [cron, deep],
            (http, parse, ct) => http.PutAsJsonAsync("admin/schedule", new { cron = parse.GetValue(cron), deep = parse.GetValue(deep) }, ct));

        var audit = Command("audit", "Print the audit trail", [], (http, _, ct) => http.GetAsync("admin/audit?size=500", ct));
        audit.Subcommands.Add(Command("verify", "Check the audit trail's hash chain", [], (http, _, ct) => http.GetAsync("admin/audit/verify", ct)));
        yield return audit;
    }

    private static Command Command(string name, string description, IEnumerable<Symbol> symbols,
        Func<HttpClient, ParseResult, CancellationToken, Task<HttpResponseMessage>> call)
    {
        var command = new Command(name, description) { Server, Token };
        foreach (var symbol in symbols)
        {
            if (symbol is Option option)
            {
                command.Options.Add(option);
            }
            else if (symbol is Argument argument)
            {
                command.Arguments.Add(argument);
            }
        }

        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            using var http = Client(parse);
            using var response = await SendAsync(call, http, parse, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new UsageException($"{(int)response.StatusCode} {response.ReasonPhrase}: {text}");
            }

            await Console.Out.WriteLineAsync(text.Length == 0 ? "" : JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement, ReportJson.Options));
            return CommandLine.ExitOk;
        }));
        return command;
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<HttpClient, ParseResult, CancellationToken, Task<HttpResponseMessage>> call,
        HttpClient http, ParseResult parse, CancellationToken ct)
    {
        try
        {
            return await call(http, parse, ct);
        }
        catch (HttpRequestException e)
        {
            throw new UsageException($"cannot reach {http.BaseAddress}: {e.Message}", e);
        }
    }

    private static HttpClient Client(ParseResult parse)
    {
        var server = parse.GetValue(Server) ?? (Environment.GetEnvironmentVariable("COMFYDOCTOR_SERVER") is { Length: > 0 } env
            ? new Uri(env) : throw new UsageException("--server URL (or COMFYDOCTOR_SERVER) is required"));
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ADMIN_TOKEN")
            ?? throw new UsageException("--token (or COMFYDOCTOR_ADMIN_TOKEN) is required");
        var http = new HttpClient { BaseAddress = server.ToString().EndsWith('/') ? server : new Uri(server + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
