using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// What the admin commands share: <c>--server</c> / <c>--token</c> (or COMFYDOCTOR_SERVER / COMFYDOCTOR_ADMIN_TOKEN),
/// <c>--json</c> for the server's JSON as it is, otherwise a table; a refusal of the server is one line and exit code 2.
/// </summary>
public static class AdminClient
{
    public delegate Task<HttpResponseMessage> Call(HttpClient http, ParseResult parse, CancellationToken ct);

    /// <summary>Prints the answer for people; returns the exit code (0, or 1 when it shows something red).</summary>
    public delegate int Show(IAnsiConsole console, JsonElement answer, ParseResult parse);

    internal static readonly Option<Uri?> Server = UriOptions.Http("--server", "The server's URL (or COMFYDOCTOR_SERVER)");
    internal static readonly Option<string?> Token = new("--token") { Description = "The admin token (or COMFYDOCTOR_ADMIN_TOKEN)" };
    internal static readonly Option<FileInfo?> TokenFile = Configuration.SecretFile.Option("--token-file", "the admin token");
    internal static readonly Option<bool> Json = new("--json") { Description = "Print the server's JSON instead of a table" };

    public static Command Command(
        string name,
        string description,
        IEnumerable<Symbol> symbols,
        Call call,
        Show show,
        Func<JsonElement, int>? exitCode = null
    )
    {
        var command = new Command(name, description)
        {
            Server,
            Token,
            TokenFile,
            Json,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
        };
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

        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
                {
                    using var http = Client(parse);
                    using var response = await SendAsync(call, http, parse, ct);
                    var text = await response.Content.ReadAsStringAsync(ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new UsageException($"{(int)response.StatusCode} {response.ReasonPhrase}: {ProblemText.Of(text)}");
                    }

                    var answer =
                        text.Length == 0 ? default
                        : response.Content.Headers.ContentType?.MediaType?.EndsWith("yaml", StringComparison.Ordinal) == true
                            ? JsonSerializer.SerializeToElement(text) // a stored YAML snapshot: the text as one string
                        : JsonDocument.Parse(text).RootElement.Clone();
                    if (parse.GetValue(Json))
                    {
                        await parse.InvocationConfiguration.Output.WriteLineAsync(
                            text.Length == 0 ? "" : JsonSerializer.Serialize(answer, ReportJson.Options)
                        );
                        return exitCode?.Invoke(answer) ?? CommandLine.ExitOk;
                    }

                    return show(Terminal.For(parse), answer, parse);
                }));
        return command;
    }

    /// <summary>A path segment for a name given on the command line.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    internal static async Task<HttpResponseMessage> SendAsync(Call call, HttpClient http, ParseResult parse, CancellationToken ct)
    {
        try
        {
            return await call(http, parse, ct);
        }
        catch (HttpRequestException e)
        {
            throw new UsageException($"cannot reach {http.BaseAddress}: {Agent.Remote.ServerConnection.Describe(e)}", e);
        }
    }

    internal static HttpClient Client(ParseResult parse)
    {
        var server = parse.GetValue(Server)
            ?? (
                Environment.GetEnvironmentVariable("COMFYDOCTOR_SERVER") is { Length: > 0 } env
                    ? (
                        Uri.TryCreate(env, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                            ? url
                            : throw new UsageException($"COMFYDOCTOR_SERVER is not an http(s) URL: {env}")
                    )
                    : throw new UsageException("--server URL (or COMFYDOCTOR_SERVER) is required")
            );
        var token = parse.GetValue(Token)
            ?? Configuration.SecretFile.Read(parse, TokenFile)
            ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ADMIN_TOKEN")
            ?? throw new UsageException("--token-file FILE (or COMFYDOCTOR_ADMIN_TOKEN) is required");
        var http = new HttpClient(ConnectionOptions.Handler(parse, server))
        {
            BaseAddress = server.ToString().EndsWith('/') ? server : new Uri(server + "/"),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
