using System.Security.Claims;
using ComfyDoctor.Server.Dashboard;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Catalog;

/// <summary>The workflows page's catalog forms (admins, anti-forgery token): import ComfyUI-Manager's files, replace the
/// pins, pin one node type to one pack; each redirects back to <c>/workflows</c> saying what happened.</summary>
public static class CatalogDashboardActions
{
    private const string Page = "/workflows";

    public static void MapCatalogDashboard(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui").RequireAuthorization(DashboardAuthentication.WritePolicy);
        var limit = app.ServiceProvider.GetRequiredService<ServerOptions>().MaxCatalogFileBytes;
        ui.MapPost("/node-catalog", ImportAsync).WithMetadata(new RequestSizeLimitAttribute(checked((limit * 3) + (1 << 20))));
        ui.MapPost("/pins", PinsAsync);
        ui.MapPost(
            "/pins/node",
            async ([FromForm] string? type, [FromForm] string? url, ClaimsPrincipal user, CatalogService catalog, CancellationToken ct) =>
            {
                var outcome = await catalog.PinNodeAsync(type ?? "", url ?? "", DashboardActions.Actor(user), ct);
                return outcome.Error is { } error
                    ? DashboardActions.Back(Page, error, failed: true)
                    : DashboardActions.Back(Page, $"Pinned {type} to {url}: {Resolved(outcome)}");
            }
        );
    }

    private static async Task<IResult> ImportAsync(
        IFormFileCollection files,
        ClaimsPrincipal user,
        CatalogService catalog,
        ServerOptions options,
        CancellationToken ct
    )
    {
        var read = new List<CatalogFile>();
        foreach (var file in files)
        {
            var name = CatalogFileNames.Canonical(file.FileName);
            var content = name is null ? null : await CatalogUpload.BodyAsync(name, file.OpenReadStream(), options.MaxCatalogFileBytes, ct);
            if (name is null || content is null)
            {
                return DashboardActions.Back(
                    Page,
                    name is null
                        ? CatalogFileNames.Unknown(file.FileName)
                        : CatalogUpload.TooLarge(name, options.MaxCatalogFileBytes).Error!,
                    failed: true
                );
            }

            read.Add(content);
        }

        var outcome = await catalog.ImportAsync(read, "dashboard", DashboardActions.Actor(user), ct);
        return outcome.Error is { } error
            ? DashboardActions.Back(Page, error, failed: true)
            : DashboardActions.Back(
                Page,
                $"Imported {string.Join(", ", read.Select(f => f.Name))}: {outcome.Packs} packs; {Resolved(outcome)}"
            );
    }

    private static async Task<IResult> PinsAsync(
        IFormFile? pins,
        ClaimsPrincipal user,
        CatalogService catalog,
        ServerOptions options,
        CancellationToken ct
    )
    {
        var content = pins is null ? null : await CatalogUpload.BodyAsync("pins", pins.OpenReadStream(), options.MaxCatalogFileBytes, ct);
        if (pins is null || content is null)
        {
            return DashboardActions.Back(
                Page,
                pins is null ? "Choose a pins file (YAML or JSON)." : "The pins file is too large.",
                failed: true
            );
        }

        var outcome = await catalog.SetPinsAsync(
            System.Text.Encoding.UTF8.GetString(content.Content),
            pins.FileName,
            DashboardActions.Actor(user),
            ct
        );
        return outcome.Error is { } error
            ? DashboardActions.Back(Page, error, failed: true)
            : DashboardActions.Back(Page, $"Pins replaced: {Resolved(outcome)}");
    }

    private static string Resolved(CatalogService.Outcome outcome) =>
        outcome.Unchanged
            ? "unchanged, nothing to re-resolve."
            : $"{outcome.WorkflowsResolved} workflows re-resolved ({outcome.WorkflowsChanged} changed), "
                + $"{outcome.ReportsJudged} latest reports judged again.";
}
