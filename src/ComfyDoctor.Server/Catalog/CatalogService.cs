using System.Text;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Server.Audit;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// The node catalog the server resolves workflows with: ComfyUI-Manager's files imported (API, CLI, dashboard or a
/// scheduled refresh) and the admin's pins, both in the database so every replica resolves alike. A change is checked
/// whole before anything is stored; it then re-resolves every registered workflow, judges each worker's latest report
/// again, and is audited, all in one transaction.
/// </summary>
public sealed class CatalogService(ComfyDoctorDb db, AuditTrail audit, CatalogCache cache, FleetResolution fleet)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What an import or a pin change did; <see cref="Error"/> says why nothing was stored.</summary>
    public sealed record Outcome(
        string? Error,
        bool Unchanged,
        int Packs,
        int NodeNames,
        IReadOnlyList<string> Warnings,
        int WorkflowsResolved,
        int WorkflowsChanged,
        int ReportsJudged
    );

    public Task<CatalogCache.Loaded> CurrentAsync(CancellationToken ct) => cache.GetAsync(db, ct);

    /// <summary>Stores the files (replacing those of the same name; the others stay) once the whole catalog they make reads.</summary>
    public async Task<Outcome> ImportAsync(
        IReadOnlyList<CatalogFile> files,
        string source,
        string actor,
        CancellationToken ct,
        IReadOnlyDictionary<string, (string? Etag, string? LastModified)>? validators = null
    )
    {
        var names = string.Join(", ", files.Select(f => f.Name));
        var stored = await db.CatalogFiles.ToDictionaryAsync(f => f.File, ct);
        var problem =
            files.Count == 0 ? "no catalog file was given"
            : files.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } twice ? $"{twice.Key} was given twice"
            : null;
        var texts = new Dictionary<string, string>();
        foreach (var file in files.Where(_ => problem is null))
        {
            try
            {
                texts[file.Name] = StrictUtf8.GetString(file.Content);
            }
            catch (DecoderFallbackException e)
            {
                problem = $"{file.Name}: not UTF-8 text ({e.Message})";
            }
        }

        NodeCatalog? catalog = null;
        if (problem is null)
        {
            var combined = stored.ToDictionary(s => s.Key, s => Encoding.UTF8.GetBytes(s.Value.Content));
            foreach (var file in files)
            {
                combined[file.Name] = file.Content;
            }

            try
            {
                catalog = CatalogCache.Build(combined);
            }
            catch (NodeCatalogFormatException e)
            {
                problem = e.Message;
            }
        }

        if (problem is not null || catalog is null)
        {
            await audit.AppendAsync(actor, "catalog.import", "node-catalog", $"{names} from {source}", "refused: " + problem, ct);
            return Refused(problem!);
        }

        if (files.All(f => stored.TryGetValue(f.Name, out var row) && row.Sha256 == f.Sha256))
        {
            return new Outcome(null, true, catalog.Packs.Count, NameCount(catalog), catalog.Warnings, 0, 0, 0);
        }

        return await ChangeAsync(
            actor,
            "catalog.import",
            $"{names} from {source}",
            catalog,
            null,
            () =>
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                foreach (var file in files)
                {
                    var (etag, modified) = validators?.GetValueOrDefault(file.Name) ?? (null, null);
                    if (!stored.TryGetValue(file.Name, out var row))
                    {
                        db.CatalogFiles.Add(
                            row = new CatalogFileRow
                            {
                                File = file.Name,
                                Content = "",
                                Sha256 = "",
                                Source = source,
                                ImportedBy = actor,
                            }
                        );
                    }

                    (row.Content, row.Sha256, row.Bytes, row.Source, row.ImportedAt, row.ImportedBy, row.Etag, row.LastModified) = (
                        texts[file.Name],
                        file.Sha256,
                        file.Content.Length,
                        source,
                        now,
                        actor,
                        etag,
                        modified
                    );
                }
            },
            ct
        );
    }

    /// <summary>Replaces the admin's pins with a <c>--pins</c> file (YAML or JSON).</summary>
    public async Task<Outcome> SetPinsAsync(string text, string source, string actor, CancellationToken ct)
    {
        AdminPins pins;
        try
        {
            pins = AdminPinsReader.Read(source, new StringReader(text));
        }
        catch (NodeCatalogFormatException e)
        {
            await audit.AppendAsync(actor, "pins.set", "pins", source, "refused: " + e.Message, ct);
            return Refused(e.Message);
        }

        return await PinAsync(pins, source, actor, ct);
    }

    /// <summary>One click: <paramref name="nodeType"/> pinned to the pack at <paramref name="url"/>, the other pins kept.</summary>
    public async Task<Outcome> PinNodeAsync(string nodeType, string url, string actor, CancellationToken ct)
    {
        if (
            string.IsNullOrWhiteSpace(nodeType)
            || nodeType.Length > 500
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http")
        )
        {
            await audit.AppendAsync(
                actor,
                "pins.set",
                "pins",
                $"{nodeType} → {url}",
                "refused: a node type and a pack's http(s) URL are required",
                ct
            );
            return Refused("a node type and a pack's http(s) URL are required");
        }

        var current = await CurrentAsync(ct);
        var pins = PinsJson.WithNode(current.Pins, nodeType, url, null);
        return await PinAsync(pins, $"{nodeType} → {url}", actor, ct);
    }

    private async Task<Outcome> PinAsync(AdminPins pins, string what, string actor, CancellationToken ct)
    {
        var current = await CurrentAsync(ct);
        var parameters = $"{what}; before: {PinsJson.Describe(current.Pins)}";
        return await ChangeAsync(actor, "pins.set", parameters, current.Catalog, pins, () => { }, ct);
    }

    /// <summary>Stages the change; the fleet is resolved again, the latest reports judged again, and the change audited, in one
    /// transaction (<see cref="FleetResolution"/>).</summary>
    private async Task<Outcome> ChangeAsync(
        string actor,
        string action,
        string parameters,
        NodeCatalog catalog,
        AdminPins? pins,
        Action stage,
        CancellationToken ct
    )
    {
        var result = await fleet.RunAsync(
            new FleetResolution.Change(
                catalog,
                pins,
                state =>
                {
                    if (pins is not null)
                    {
                        (state.PinsJson, state.PinsChangedAt, state.PinsChangedBy) = (
                            PinsJson.Write(pins),
                            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                            actor
                        );
                    }

                    stage();
                    return Task.CompletedTask;
                },
                changed => changed.Count > 0,
                r =>
                    audit.AppendAsync(
                        actor,
                        action,
                        action == "pins.set" ? "pins" : "node-catalog",
                        parameters,
                        $"{catalog.Packs.Count} packs, {PinsJson.Describe(r.Loaded.Pins)}; {Describe(r)}",
                        ct
                    )
            ),
            ct
        );
        return new Outcome(
            null,
            false,
            catalog.Packs.Count,
            NameCount(catalog),
            catalog.Warnings,
            result.Resolved,
            result.Changed.Count,
            result.Judged
        );
    }

    /// <summary>Every registered workflow resolved again now, with what workers' ComfyUI reported since (audited as
    /// <c>workflows.resolve</c>).</summary>
    public async Task<Outcome> ResolveFleetAsync(string actor, string why, CancellationToken ct)
    {
        var current = await CurrentAsync(ct);
        return await ChangeAsync(actor, "workflows.resolve", why, current.Catalog, null, () => { }, ct);
    }

    /// <summary>What a re-resolution did, for the audit trail.</summary>
    public static string Describe(FleetResolution.Result r) =>
        $"{r.Resolved} workflows re-resolved as one fleet decision ({r.Changed.Count} changed), "
        + $"{r.Known} packs known from workers' ComfyUI, {r.Judged} latest reports judged again";

    private static int NameCount(NodeCatalog catalog) => catalog.Packs.Sum(p => p.NodeNames.Count);

    private static Outcome Refused(string error) => new(error, false, 0, 0, [], 0, 0, 0);
}
