using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Catalog;
using ComfyDoctor.Server.Dashboard;
using ComfyDoctor.Server.Dependencies;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Operations;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Schedule;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Snapshots;
using ComfyDoctor.Server.Transport;
using ComfyDoctor.Server.Workers;
using ComfyDoctor.Server.Workflows;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server;

/// <summary>The control plane: set-up only. Every route requires a token unless it says otherwise (enroll, sign-in, /healthz,
/// /readyz).</summary>
public static partial class ServerHost
{
    public static WebApplication Build(ServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var narrowed = PrivateFiles.Secure(options); // data folder 0700, SQLite files 0600
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        UseTls(builder, options);
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddConsoleLog(options.LogFormat).SetMinimumLevel(options.LogLevel);
        }
        else
        {
            logging(builder.Logging);
        }

        var secrets = Secrets.Load(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton(new BlobKeys(secrets.MasterKey));
        builder.Services.AddServerServices(options);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder
            .Services.AddAuthentication(TokenAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthentication>(TokenAuthentication.SchemeName, null);
        builder
            .Services.AddAuthorizationBuilder()
            .AddPolicy(TokenAuthentication.AdminRole, p => p.RequireRole(TokenAuthentication.AdminRole))
            .AddPolicy(TokenAuthentication.AgentRole, p => p.RequireRole(TokenAuthentication.AgentRole))
            .AddPolicy(MetricsEndpoint.MetricsPolicy, p => p.RequireRole(TokenAuthentication.AdminRole, TokenAuthentication.MetricsRole))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalAudit>(); // a known caller's refused change is audited
        builder.Services.AddDashboard(options);
        builder.Services.AddServerMetrics();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            foreach (var converter in ReportJson.Options.Converters)
            {
                json.SerializerOptions.Converters.Add(converter);
            }

            json.SerializerOptions.DefaultIgnoreCondition = ReportJson.Options.DefaultIgnoreCondition;
        });

        var app = builder.Build();
        foreach (var warning in narrowed)
        {
            Narrowed(app.Logger, warning);
        }

        if (options.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders(TrustedProxies.Options(options.TrustedProxies)); // before anything reads the client's address
        }

        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi().RequireAuthorization(TokenAuthentication.AdminRole); // /openapi/v1.json, for admins
        app.MapWorkers();
        app.MapJobs();
        app.MapScans();
        app.MapRegistry();
        app.MapWorkflows();
        app.MapSchedule();
        app.MapRepairs();
        app.MapRelay();
        app.MapAudit();
        app.MapCompare();
        app.MapDependencies();
        app.MapCatalog();
        app.MapSnapshots();
        app.MapDashboard();
        app.MapHealth();
        app.MapMetrics();
        return app;
    }

    /// <summary>HTTPS from the configured certificate (reloaded when renewed); an https:// address without one is refused here,
    /// clearly.</summary>
    private static void UseTls(WebApplicationBuilder builder, ServerOptions options)
    {
        var https = options
            .Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        var problem = options.Tls?.Problem()
            ?? TrustedProxies.Problem(options.TrustedProxies)
            ?? (
                https && options.Tls is null
                    ? $"--urls {options.Urls} has an https:// address but no certificate: "
                        + "give --tls-cert FILE --tls-key FILE or --tls-pfx FILE"
                    : null
            )
            ?? (!https && options.Tls is not null ? $"a TLS certificate is given but --urls {options.Urls} has no https:// address" : null);
        if (problem is not null)
        {
            throw new ServerConfigurationException(problem);
        }

        if (options.Tls is not { } tls)
        {
            return;
        }

        // a missing file, a wrong password or a key that does not match: said now, not at the first handshake
        CertificateCache.Load(tls).Dispose();
        builder.Services.AddSingleton(sp => new CertificateCache(tls, sp.GetRequiredService<ILogger<CertificateCache>>()));
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ConfigureHttpsDefaults(https =>
            {
                var certificates = kestrel.ApplicationServices.GetRequiredService<CertificateCache>();
                https.ServerCertificateSelector = (_, _) => certificates.Current;
            })
        );
    }

    /// <summary>Applies the migrations, then starts listening; returns the address actually bound (port 0 → a free port).</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken ct)
    {
        await app.Services.GetRequiredService<PoolCheck>().StartAsync(); // PostgreSQL: the pool sized before its first query
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
            await MigrationRunner.ApplyAsync(db, ct);
            await BlobKeyMigration.RunAsync(db, app.Services.GetRequiredService<BlobKeys>(), app.Logger, ct);
            await Repairs.RelaySweep.RunAsync(db, app.Services.GetRequiredService<ServerOptions>(), ct); // dead replicas' relays
        }

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>Serves until Ctrl+C / SIGTERM or <paramref name="ct"/>.</summary>
    public static Task WaitForShutdownAsync(WebApplication app, CancellationToken ct) =>
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, ct);

    public static Secrets SecretsOf(WebApplication app) => app.Services.GetRequiredService<Secrets>();

    /// <summary>A data folder or database file that was open to other users, narrowed at start (<see cref="PrivateFiles"/>).</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Change}")]
    private static partial void Narrowed(ILogger logger, string change);
}
