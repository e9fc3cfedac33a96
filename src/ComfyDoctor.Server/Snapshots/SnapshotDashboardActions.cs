using System.Security.Claims;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server.Dashboard;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// The snapshots page's forms (admins, anti-forgery token): import a file for a tag or a worker, adopt a golden worker's
/// state for a tag, delete one; each redirects back to <c>/snapshots</c> saying what happened. Downloads (a stored file with
/// URL credentials hidden, a worker's export) follow the dashboard's read policy; the stored file as imported is for admins
/// only, audited (<see cref="SnapshotDownload"/>).
/// </summary>
public static class SnapshotDashboardActions
{
    private const string Page = "/snapshots";

    public static void MapSnapshotDashboard(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui").RequireAuthorization(DashboardAuthentication.WritePolicy);
        ui.MapPost("/snapshots/import", ImportAsync);
        ui.MapGet(
            "/snapshots/{scope}/{name}/raw",
            async Task<IResult> (string scope, string name, ClaimsPrincipal user, SnapshotDownload download, CancellationToken ct) =>
                await download.RawAsync(scope, name, DashboardActions.Actor(user), ct) is { Value: { } text }
                    ? File(text, $"{scope}-{name}-as-imported{Extension(text)}")
                    : TypedResults.NotFound()
        );
        ui.MapPost(
            "/snapshots/adopt",
            async ([FromForm] string? worker, [FromForm] string? tag, ClaimsPrincipal user, SnapshotExport export, CancellationToken ct) =>
            {
                var outcome = await export.AdoptAsync(worker ?? "", tag ?? "", DashboardActions.Actor(user), ct);
                return outcome.Refusal is { } refusal
                    ? DashboardActions.Back(Page, refusal.Detail, failed: true)
                    : DashboardActions.Back(Page, $"Tag '{tag}' now expects the state of {worker}; every worker was judged again.");
            }
        );
        ui.MapPost(
            "/snapshots/delete",
            async ([FromForm] string? scope, [FromForm] string? name, ClaimsPrincipal user, SnapshotStore store, CancellationToken ct) =>
            {
                var outcome = await store.DeleteAsync(scope ?? "", name ?? "", DashboardActions.Actor(user), ct);
                return outcome.Refusal is { } refusal
                    ? DashboardActions.Back(Page, refusal.Detail, failed: true)
                    : DashboardActions.Back(
                        Page,
                        $"Deleted the snapshot of {scope} '{name}'; {outcome.Value} latest reports judged again."
                    );
            }
        );

        var read = app.MapGroup("/ui").RequireAuthorization(DashboardAuthentication.ReadPolicy);
        read.MapGet(
            "/snapshots/{scope}/{name}",
            async Task<IResult> (string scope, string name, SnapshotDownload download, CancellationToken ct) =>
                await download.RedactedAsync(scope, name, ct) is { Value: { } text }
                    ? File(text, $"{scope}-{name}{Extension(text)}")
                    : TypedResults.NotFound()
        );
        read.MapGet(
            "/workers/{worker}/snapshot",
            async Task<IResult> (string worker, string? format, SnapshotExport export, CancellationToken ct) =>
                await export.ExportAsync(worker, format ?? SnapshotFormats.Manager, ct) switch
                {
                    { Refusal: { } refusal } => refusal.ToProblem(),
                    var outcome => TypedResults.File(
                        System.Text.Encoding.UTF8.GetBytes(outcome.Value!),
                        "application/json",
                        $"{worker}-{format ?? SnapshotFormats.Manager}-snapshot.json"
                    ),
                }
        );
    }

    private static Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult File(string text, string name) =>
        TypedResults.File(System.Text.Encoding.UTF8.GetBytes(text), MediaType(text), name);

    /// <summary><c>application/json</c> or <c>application/yaml</c>, as the stored file is.</summary>
    public static string MediaType(string text) => Extension(text) == ".json" ? "application/json" : "application/yaml";

    /// <summary>A JSON file starts with <c>{</c>; the YAML layouts do not.</summary>
    private static string Extension(string text) => text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n').StartsWith('{') ? ".json" : ".yaml";

    private static async Task<IResult> ImportAsync(
        IFormFile? file,
        [FromForm] string? scope,
        [FromForm] string? name,
        ClaimsPrincipal user,
        SnapshotStore store,
        CancellationToken ct
    )
    {
        if (file is null || file.Length > SnapshotReader.MaxBytes)
        {
            return DashboardActions.Back(Page, file is null ? "Choose a snapshot file." : "The file is larger than 16 MiB.", failed: true);
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        var outcome = await store.ImportAsync(scope ?? "", name ?? "", buffer.ToArray(), file.FileName, DashboardActions.Actor(user), ct);
        return outcome.Value is { } view
            ? DashboardActions.Back(
                Page,
                $"Stored {file.FileName} for {scope} '{name}': {view.GitPacks} git packs, "
                    + $"{view.RegistryPacks} registry packs, {view.Pips} pips."
            )
            : DashboardActions.Back(Page, outcome.Refusal!.Detail, failed: true);
    }
}
