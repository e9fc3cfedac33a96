using System.CommandLine;
using ComfyDoctor.Cli.Configuration;
using ComfyDoctor.Server;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// The server's secrets from files (issue 18.6): tokens, the master key and the database connection string, so none of
/// them is ever on a command line. Without a file a secret comes from COMFYDOCTOR_ADMIN_TOKEN (…) or is generated once into --data.
/// </summary>
public static class ServerSecrets
{
    private static readonly Option<FileInfo?> AdminToken = SecretFile.Option("--admin-token-file", "the admin token");
    private static readonly Option<FileInfo?> EnrollToken = SecretFile.Option("--enroll-token-file", "the token agents enroll with");
    private static readonly Option<FileInfo?> ViewerToken = SecretFile.Option("--viewer-token-file", "the read-only dashboard token");
    private static readonly Option<FileInfo?> MetricsToken = SecretFile.Option(
        "--metrics-token-file",
        "the token that reads /metrics only"
    );
    private static readonly Option<FileInfo?> MasterKey = SecretFile.Option(
        "--master-key-file",
        "the master key (the same on every replica)"
    );
    private static readonly Option<FileInfo?> ConnectionString = SecretFile.Option(
        "--connection-string-file",
        "the PostgreSQL connection string (instead of --database)"
    );

    public static IEnumerable<Option> Options => [AdminToken, EnrollToken, ViewerToken, MetricsToken, MasterKey, ConnectionString];

    /// <summary>The options with the secrets read from their files; a file that cannot serve is a usage error naming its option.</summary>
    public static ServerOptions Apply(ParseResult parse, ServerOptions options, Option<string?> database)
    {
        var connection = SecretFile.Read(parse, ConnectionString);
        if (connection is not null && parse.GetValue(database) is not null)
        {
            throw new UsageException("--database and --connection-string-file both name the database; give one");
        }

        return options with
        {
            Database = connection ?? options.Database,
            AdminToken = SecretFile.Read(parse, AdminToken) ?? options.AdminToken,
            EnrollToken = SecretFile.Read(parse, EnrollToken) ?? options.EnrollToken,
            ViewerToken = SecretFile.Read(parse, ViewerToken) ?? options.ViewerToken,
            MetricsToken = SecretFile.Read(parse, MetricsToken) ?? options.MetricsToken,
            MasterKey = SecretFile.Read(parse, MasterKey) ?? options.MasterKey,
        };
    }
}
