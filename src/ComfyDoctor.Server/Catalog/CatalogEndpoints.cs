using System.Security.Claims;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// The node catalog and the admin's pins (issue 15.2), admin token only:
/// <c>PUT /admin/node-catalog</c> (a multipart form of ComfyUI-Manager's files, or one file as the body with
/// <c>?file=NAME</c>), <c>GET /admin/node-catalog</c> (what is stored, from where, when; the last refresh),
/// <c>PUT /admin/pins</c> (a <c>--pins</c> file, YAML or JSON), <c>GET /admin/pins</c>, and
/// <c>POST /admin/pins/nodes</c> (<c>{"type", "url"}</c>: pin one node type to one pack), <c>POST /admin/node-catalog/refresh</c>,
/// <c>GET /admin/node-types</c> (each needed node type's state per worker: ok, missing, unresolved, version-mismatch).
/// </summary>
public static class CatalogEndpoints
{
    public sealed record NodePin(string? Type, string? Url);

    public static void MapCatalog(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Catalog");
        var limit = app.ServiceProvider.GetRequiredService<ServerOptions>().MaxCatalogFileBytes;
        admin.MapPut("/node-catalog", ImportAsync).WithMetadata(new RequestSizeLimitAttribute(checked((limit * 3) + (1 << 20))));
        admin.MapGet("/node-catalog", StatusAsync);
        admin.MapPut("/pins", SetPinsAsync);
        admin.MapGet("/pins", async (CatalogService catalog, CancellationToken ct) =>
            TypedResults.Text(PinsJson.Write((await catalog.CurrentAsync(ct)).Pins), "application/json")
        );
        admin.MapPost("/pins/nodes", async (NodePin pin, ClaimsPrincipal user, CatalogService catalog, CancellationToken ct) =>
            Answer(await catalog.PinNodeAsync(pin.Type ?? "", pin.Url ?? "", user.Identity!.Name!, ct), ProblemTypes.InvalidPins)
        );
        admin.MapGet("/node-types", async (ComfyDoctorDb db, ServerOptions options, CancellationToken ct) =>
            TypedResults.Ok(await FleetNodeTypes.LoadAsync(db, options, ct))
        );
        admin.MapPost("/node-catalog/refresh", async (CatalogRefresher refresher, CancellationToken ct) =>
            TypedResults.Ok(await refresher.RefreshAsync(ct))
        );
        app.MapCatalogDashboard();
    }

    /// <summary>The refresh from a configured folder or URL: at start, on schedule, and on <c>POST
    /// /admin/node-catalog/refresh</c>.</summary>
    public static IServiceCollection AddCatalogRefresh(this IServiceCollection services)
    {
        services.AddHttpClient(nameof(CatalogRefresher), http => http.Timeout = TimeSpan.FromMinutes(2));
        services.AddScoped<CatalogRefresher>();
        return services.AddHostedService<CatalogRefreshLoop>();
    }

    private static async Task<IResult> ImportAsync(
        string? file,
        HttpRequest request,
        ClaimsPrincipal user,
        CatalogService catalog,
        ServerOptions options,
        CancellationToken ct
    )
    {
        var read = await CatalogUpload.ReadAsync(request, file, options.MaxCatalogFileBytes, ct);
        if (read.Error is not null)
        {
            var type = read.Status == StatusCodes.Status413PayloadTooLarge ? ProblemTypes.CatalogTooLarge : ProblemTypes.InvalidCatalog;
            return type.Because(read.Error).ToProblem();
        }

        return Answer(await catalog.ImportAsync(read.Files, "api", user.Identity!.Name!, ct), ProblemTypes.InvalidCatalog);
    }

    private static async Task<IResult> SetPinsAsync(
        HttpRequest request,
        ClaimsPrincipal user,
        CatalogService catalog,
        ServerOptions options,
        CancellationToken ct
    )
    {
        var body = await CatalogUpload.BodyAsync("pins", request.Body, options.MaxCatalogFileBytes, ct);
        if (body is null)
        {
            return ProblemTypes.CatalogTooLarge.Because(CatalogUpload.TooLarge("pins", options.MaxCatalogFileBytes).Error!).ToProblem();
        }

        var text = System.Text.Encoding.UTF8.GetString(body.Content);
        return Answer(await catalog.SetPinsAsync(text, "request body", user.Identity!.Name!, ct), ProblemTypes.InvalidPins);
    }

    /// <summary>200 with what the change did, or its refusal as a problem of <paramref name="type"/>.</summary>
    private static IResult Answer(CatalogService.Outcome outcome, ProblemType type) =>
        outcome.Error is { } error ? type.Because(error).ToProblem() : TypedResults.Ok(outcome);

    private static async Task<IResult> StatusAsync(ComfyDoctorDb db, CatalogService catalog, ServerOptions options, CancellationToken ct)
    {
        var current = await catalog.CurrentAsync(ct);
        var state = await db.CatalogState.AsNoTracking().FirstAsync(s => s.Id == CatalogStateRow.CurrentId, ct);
        var files = await db
            .CatalogFiles.AsNoTracking()
            .OrderBy(f => f.File)
            .Select(f => new
            {
                f.File,
                f.Sha256,
                f.Bytes,
                f.Source,
                f.ImportedAt,
                f.ImportedBy,
            })
            .ToListAsync(ct);
        return TypedResults.Ok(
            new
            {
                version = current.Version,
                packs = current.Catalog.Packs.Count,
                warnings = current.Catalog.Warnings,
                files = files.Select(f => new
                {
                    file = f.File,
                    f.Sha256,
                    f.Bytes,
                    f.Source,
                    importedAt = DateTimeOffset.FromUnixTimeMilliseconds(f.ImportedAt),
                    f.ImportedBy,
                }),
                pins = new
                {
                    packs = current.Pins.Packs.Count,
                    nodes = current.Pins.Nodes.Count,
                    changedBy = state.PinsChangedBy,
                    changedAt = state.PinsChangedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null,
                },
                refresh = options.NodeCatalogSource is null
                    ? null
                    : new
                    {
                        source = options.NodeCatalogSource,
                        every = options.NodeCatalogRefresh.ToString(),
                        checkedAt = state.RefreshedAt is { } r ? DateTimeOffset.FromUnixTimeMilliseconds(r) : (DateTimeOffset?)null,
                        error = state.RefreshError,
                    },
            }
        );
    }
}
