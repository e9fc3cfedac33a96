using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// <c>Plan(findings, policy)</c>: turns a worker's report into the actions that fix it — a verified copy for each
/// registry model that is missing, corrupted, invalid or unreadable; the pinned node pack for each missing or drifted
/// one — and lists every finding in scope that no action can fix, with what the admin can do. Each action records its
/// subject as the report shows it (<see cref="PlannedAction.Before"/>), which the agent checks before it acts. Pure: no I/O.
/// Unknown models are never acted on (adopting or quarantining them is an explicit admin action).
/// </summary>
public static class RepairPlanner
{
    private static readonly HashSet<string> ModelFixes = new(StringComparer.Ordinal)
    {
        FindingCodes.ModelMissing,
        FindingCodes.ModelCorrupted,
        FindingCodes.ModelInvalid,
        FindingCodes.ModelUnhashed,
        FindingCodes.ModelSizeMismatch,
        FindingCodes.ModelUnsafe,
    };

    public static RepairPlan Plan(WorkerReport report, ExpectedState expected, RepairPolicy policy)
    {
        var actions = new List<PlannedAction>();
        var unresolvable = new List<UnresolvableFinding>();
        var planned = new HashSet<string>(StringComparer.Ordinal);
        var runtime = new List<Finding>(); // match-snapshot's: planned together after the loop
        foreach (var finding in report.Findings)
        {
            if (policy.Scope.Quarantine && Quarantinable(finding, expected, policy))
            {
                if (planned.Add("quarantine:" + finding.Subject))
                {
                    actions.Add(
                        new PlannedAction(
                            RepairActionKinds.QuarantineModel,
                            finding.Subject,
                            $"{finding.Code}: {finding.Message}",
                            [],
                            $"{finding.Subject} moved out of ComfyUI's model folders into the worker's quarantine, kept there, not deleted",
                            null,
                            null
                        )
                    );
                }
            }
            else if (policy.Scope.Quarantine && !policy.Scope.SyncModels && !policy.Scope.InstallNodes && !policy.Scope.MatchSnapshot)
            {
                continue;
            }
            else if (policy.Scope.SyncModels && finding.Category == HealthCategory.Models)
            {
                PlanModel(finding, report.Inventory, expected, policy, planned, actions, unresolvable);
            }
            else if ((policy.Scope.InstallNodes || policy.Scope.MatchSnapshot) && finding.Category == HealthCategory.Nodes)
            {
                PlanNode(finding, report.Inventory, expected, policy.Scope, planned, actions, unresolvable);
            }
            else if (policy.Scope.MatchSnapshot && SnapshotRestore.IsRuntimeFinding(finding))
            {
                runtime.Add(finding);
            }
            else if (policy.Scope.DeepScanFirst && finding.Severity == Severity.Error)
            {
                unresolvable.Add(new(finding.Code, finding.Subject, finding.Message, HintFor(finding.Code)));
            }
        }

        SnapshotRestore.Plan(runtime, expected, report.Inventory, policy.Scope, actions, unresolvable);

        // Each action carries its subject as seen now: the precondition the agent checks before it acts.
        // A snapshot restore's actions are one unit: all of them, or the worker as it was (RepairUnits).
        var seen = actions
            .Select(a => a with { Before = Preconditions.Current(a, report.Inventory), Unit = RepairUnits.Of(a, expected, policy.Scope) })
            .ToList();
        return DiskBudget.Apply(new RepairPlan(seen, unresolvable), report.Inventory, policy.DiskMarginBytes);
    }

    /// <summary>Only files the admin names, and only ones outside the registry (registry models are replaced, not removed).</summary>
    private static bool Quarantinable(Finding finding, ExpectedState expected, RepairPolicy policy) =>
        finding.Code is FindingCodes.ModelUnknown or FindingCodes.ModelUnsafe or FindingCodes.ModelSuspicious
        && policy.Models?.Contains(finding.Subject) == true
        && expected.Registry.Find(finding.Subject) is null;

    private static void PlanModel(
        Finding finding,
        WorkerInventory inventory,
        ExpectedState expected,
        RepairPolicy policy,
        HashSet<string> planned,
        List<PlannedAction> actions,
        List<UnresolvableFinding> unresolvable
    )
    {
        if (policy.Models is { } only && !only.Contains(finding.Subject))
        {
            return;
        }

        var entry = KnownGood(finding.Subject, expected);
        if (!ModelFixes.Contains(finding.Code) || entry is null)
        {
            if (finding.Severity != Severity.Info)
            {
                unresolvable.Add(
                    new(
                        finding.Code,
                        finding.Subject,
                        finding.Message,
                        entry is null && ModelFixes.Contains(finding.Code) && finding.Code != FindingCodes.ModelUnsafe
                            ? NoKnownGood
                            : HintFor(finding.Code)
                    )
                );
            }

            return;
        }

        var current = inventory.Models.FirstOrDefault(m => m.Identity == entry.Identity);
        if (current?.Sha256 is { } sha && string.Equals(sha, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            // The file is the registry's: fetching it again cannot change it (e.g. a known-good file flagged unsafe).
            unresolvable.Add(
                new(
                    finding.Code,
                    finding.Subject,
                    finding.Message,
                    "the file matches the registry's hash: review the registry entry itself"
                )
            );
            return;
        }

        if (!planned.Add(entry.Identity))
        {
            return;
        }

        var sources = SourcesOf(entry, inventory.Worker, policy);
        if (sources.Count == 0)
        {
            unresolvable.Add(
                new(
                    finding.Code,
                    finding.Subject,
                    finding.Message,
                    policy.From is null
                        ? "no source: add a URL to the registry entry, configure a model mirror, or sync from a worker that holds a "
                            + "verified copy"
                        : $"'{policy.From}' is not a configured mirror, a registry URL's host or a worker holding a verified copy of it"
                )
            );
            return;
        }

        actions.Add(
            new PlannedAction(
                RepairActionKinds.SyncModel,
                entry.Identity,
                $"{finding.Code}: {finding.Message}",
                sources,
                $"{entry.Identity} with SHA-256 "
                    + $"{entry.Sha256[..Math.Min(12, entry.Sha256.Length)]}…{(entry.Size is { } size ? $" ({Bytes.Format(size)})" : "")},"
                    + " verified before it is put in place",
                entry,
                null
            )
        );
    }

    private static void PlanNode(
        Finding finding,
        WorkerInventory inventory,
        ExpectedState expected,
        RepairScope scope,
        HashSet<string> planned,
        List<PlannedAction> actions,
        List<UnresolvableFinding> unresolvable
    )
    {
        var (pack, inScope) = SnapshotRestore.NodePack(finding, expected, scope);
        if (!inScope)
        {
            return;
        }

        if (pack is null)
        {
            if (finding.Severity != Severity.Info)
            {
                unresolvable.Add(new(finding.Code, finding.Subject, finding.Message, HintFor(finding.Code)));
            }

            return;
        }

        if (!planned.Add(RepoUrl.Normalize(pack.Url)))
        {
            return;
        }

        if (finding.Code == FindingCodes.NodeDisabled)
        {
            PlanEnable(finding, inventory, pack, actions, unresolvable);
            return;
        }

        var installed = inventory.NodePacks.FirstOrDefault(p => !p.IsFile && !p.Disabled && InstalledPackMatcher.Matches(p, pack));
        var folder = installed?.Name ?? RepoUrl.RepoName(pack.Url);
        actions.Add(
            new PlannedAction(
                RepairActionKinds.InstallNodePack,
                pack.Url,
                $"{finding.Code}: {finding.Message}",
                [new ModelSource(ModelSourceKinds.Url, HostOf(pack.Url), pack.Url)],
                $"custom_nodes/{folder} at {(pack.Version is null ? "the default branch" : string.Join(" or ", pack.Pins))}"
                    + (pack.NodeTypes.Count > 0 ? $", providing {string.Join(", ", pack.NodeTypes)}" : ""),
                null,
                new PlannedPack(folder, pack.Url, pack.Version, pack.NodeTypes, pack.Id) { OtherVersions = pack.OtherVersions }
            )
        );
    }

    /// <summary>A pack installed but disabled is moved back where ComfyUI loads it: never a second install beside it.</summary>
    private static void PlanEnable(
        Finding finding,
        WorkerInventory inventory,
        RequiredNodePack pack,
        List<PlannedAction> actions,
        List<UnresolvableFinding> unresolvable
    )
    {
        if (DisabledCopies.Best(inventory, pack) is not { } copy)
        {
            unresolvable.Add(new(finding.Code, finding.Subject, finding.Message, HintFor(finding.Code)));
            return;
        }

        var version = DisabledCopies.VersionOf(copy);
        var pinNote =
            pack.Version is { } pin
            && !InstalledPackMatcher.IsFloating(pin)
            && (version is null || !InstalledPackMatcher.SameVersion(version, pin))
            && !InstalledPackMatcher.IsAtVersion(copy, pin)
                ? $"; the workflows pin {pin}, so a later repair moves it there in place"
                : "";
        actions.Add(
            new PlannedAction(
                RepairActionKinds.EnableNodePack,
                pack.Url,
                $"{finding.Code}: {finding.Message}",
                [],
                $"custom_nodes/{copy.Name} enabled from {copy.Path} ({version ?? "version unknown"}), "
                    + $"providing {string.Join(", ", pack.NodeTypes)}{pinNote}",
                null,
                null
            )
            {
                Enable = new PlannedEnable(copy.Path, copy.Name, copy.Git?.Commit, version, pack.NodeTypes),
            }
        );
    }

    /// <summary>The registry entry, else a workflow's model reference that carries a hash (never download what cannot be
    /// verified).</summary>
    private static RegistryEntry? KnownGood(string identity, ExpectedState expected) =>
        expected.Registry.Find(identity)
        ?? expected
            .RequiredModels.Where(m => m.Identity == identity && m.Sha256 is not null && ModelIdentity.TryParse(m.Identity, out _, out _))
            .Select(m => new RegistryEntry(m.Identity, m.Sha256!, null, m.Url is null ? [] : [m.Url]))
            .FirstOrDefault();

    private static List<ModelSource> SourcesOf(RegistryEntry entry, string self, RepairPolicy policy)
    {
        var sources = new List<ModelSource>();
        foreach (var url in entry.Urls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                sources.Add(new ModelSource(ModelSourceKinds.Url, uri.Host, uri.AbsoluteUri));
            }
        }

        sources.AddRange(policy.Mirrors.Select(m => new ModelSource(ModelSourceKinds.Mirror, m.Name, m.LocationOf(entry.Identity))));
        sources.AddRange(
            policy
                .Peers.Where(p => p.Worker != self && p.Sha256s.Contains(entry.Sha256.ToLowerInvariant()))
                .OrderBy(p => p.Worker, StringComparer.Ordinal)
                .Select(p => new ModelSource(ModelSourceKinds.Peer, p.Worker, entry.Sha256.ToLowerInvariant()))
        );
        return policy.From is { } from ? sources.Where(s => string.Equals(s.Name, from, StringComparison.Ordinal)).ToList() : sources;
    }

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : url;

    private const string NoKnownGood =
        "no known-good SHA-256: register the model (registry import, or adopt it from a trusted worker) so a copy can be verified";

    private static string HintFor(string code) =>
        code switch
        {
            FindingCodes.ModelUnknown => "not in the registry: adopt it into the registry if it is right, or quarantine it",
            FindingCodes.ModelUnsafe or FindingCodes.ModelSuspicious => "not a registry model: quarantine it, or convert it to safetensors",
            FindingCodes.ModelMisplaced => "move the file into the folder the message names: this folder's loader will not load it",
            FindingCodes.ModelArchitectureMismatch =>
                "the file is not the model the registry or workflow expects: correct the registry entry, or replace the file",
            FindingCodes.NodeUnresolved => "no pack is known for this node type: pin it to a repository (pins file) or add a node map",
            FindingCodes.NodeImportFailed =>
                "ComfyUI failed to import the pack: read ComfyUI's log; its Python requirements may be missing",
            FindingCodes.NodeDirty => "the pack's checkout has local changes: commit, stash or reinstall it by hand",
            FindingCodes.NodeDisabled =>
                "the pack is disabled: enable it in ComfyUI-Manager, or run install-nodes (it enables it in place)",
            FindingCodes.DiskLow => "free space on the volume, or move a model store to a larger one",
            _ => SnapshotRestore.HintFor(code) ?? "needs an admin: see the finding's message",
        };
}
