using System.Globalization;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Workflows;
using Xunit.Abstractions;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>
/// Resolves every custom node type of every workflow in the shared corpus and compares with ComfyUI-Manager's method.
/// Unit: distinct (workflow, node type) pairs whose type is not in the core list. Ground truth: types whose nodes carry
/// a cnr_id/aux_id hint; accuracy is measured with every hint hidden. docs/resolution.md reports these numbers.
/// </summary>
public sealed class CorpusResolutionTests(ITestOutputHelper output)
{
    // The levels reached when this test was written; a change that resolves less fails here.
    private const int FloorResolvedWithHints = 248;
    private const int FloorResolvedHintsHidden = 248;
    private const int FloorCorrectHintsHidden = 16;
    private const int FloorResolvedWithWebCode = 252;

    /// <summary>Written here in the shape KJNodes' web/js/setgetnodes.js registers its virtual nodes (not its code): with
    /// the real mirror, <c>resolve --pack-sources</c> finds the same two types (docs/resolution.md).</summary>
    private static readonly KnownPackNodes KjNodesWebCode = new(
        "ComfyUI-KJNodes",
        "https://github.com/kijai/ComfyUI-KJNodes",
        WebCodeScanner.Find(
            "app.registerExtension({ registerCustomNodes() { LiteGraph.registerNodeType(\"SetNode\", SetNode); "
                + "LiteGraph.registerNodeType(\"GetNode\", GetNode); } });"
        ),
        KnownNodeSource.WebCode,
        "stand-in for web/js/setgetnodes.js"
    );

    [Fact]
    public void Resolves_the_corpus_better_than_the_manager_method()
    {
        var catalog = Corpus.Catalog;
        var core = CoreNodes.Default.With(catalog.CoreNodeNames);
        var workflows = Corpus.Workflows();
        Assert.Equal(34, workflows.Count);

        var withHints = NodeResolver.Resolve(workflows, new ResolveOptions(catalog) { Core = core });
        var hidden = NodeResolver.Resolve(workflows, new ResolveOptions(catalog) { Core = core, UseHints = false });
        var fleet = NodeResolver.ResolveFleet(workflows, new ResolveOptions(catalog) { Core = core, UseHints = false });
        var webCode = NodeResolver.Resolve(
            workflows,
            new ResolveOptions(catalog)
            {
                Core = core,
                UseHints = false,
                Known = [KjNodesWebCode],
            }
        );
        var truth = GroundTruth(withHints);

        var ours = Count(withHints, core, truth: null);
        var oursHidden = Count(hidden, core, truth);
        var oursFleet = Count(fleet, core, truth);
        var oursWebCode = Count(webCode, core, truth);
        var manager = CountBaseline(workflows, catalog, core, useHints: true, truth: null);
        var managerHidden = CountBaseline(workflows, catalog, core, useHints: false, truth);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        _ = NodeCatalog.LoadFiles(
            Corpus.NodeMap,
            Path.Combine(Corpus.Root, "node-maps", "custom-node-list.json"),
            Path.Combine(Corpus.Root, "node-maps", "github-stats.json")
        );
        output.WriteLine(
            $"catalog (node map + node list + stats, 6.5 MB) loaded in {clock.ElapsedMilliseconds} ms (printed, not asserted)"
        );
        output.WriteLine(
            $"{workflows.Count} workflows, {ours.Total} distinct (workflow, custom node type) pairs, {truth.Count} with a "
                + $"cnr_id/aux_id hint ({truth.Count(t => t.Value.InCatalog)} naming a pack in the catalog)"
        );
        output.WriteLine(
            "| method | resolved (unique) | ambiguous, chosen | ambiguous, not chosen | unresolved | resolved total | right pack "
                + "on hinted types, hints hidden |"
        );
        output.WriteLine("|---|---|---|---|---|---|---|");
        Row("ComfyUI-Manager method, hints used", manager, null);
        Row("ComfyUI-Manager method, hints hidden", managerHidden, truth.Count);
        Row("ComfyDoctor, hints used", ours, null);
        Row("ComfyDoctor, hints hidden", oursHidden, truth.Count);
        Row("ComfyDoctor, hints hidden, one decision for the fleet", oursFleet, truth.Count);
        Row("ComfyDoctor, hints hidden, + KJNodes' web code", oursWebCode, truth.Count);
        output.WriteLine("");
        foreach (var (name, report) in new[] { ("hints used", withHints), ("hints hidden", hidden), ("hints hidden, fleet", fleet) })
        {
            output.WriteLine(
                $"packs to install ({name}): {Installs(report)}; "
                    + $"node types given different packs in different workflows: {Inconsistent(report)}; "
                    + $"decided by rule: {string.Join(", ", Rules(report))}"
            );
        }

        foreach (var line in Details(withHints, hidden, core, truth))
        {
            output.WriteLine(line);
        }

        Assert.True(ours.Resolved >= FloorResolvedWithHints, $"resolved {ours.Resolved}, floor {FloorResolvedWithHints}");
        Assert.True(
            oursHidden.Resolved >= FloorResolvedHintsHidden,
            $"resolved with hints hidden {oursHidden.Resolved}, floor {FloorResolvedHintsHidden}"
        );
        Assert.True(
            oursHidden.Correct >= FloorCorrectHintsHidden,
            $"right pack on hinted types with hints hidden {oursHidden.Correct}, floor {FloorCorrectHintsHidden}"
        );
        Assert.True(ours.Resolved > manager.Resolved + manager.Ambiguous / 2, "should clearly beat the manager method");
        Assert.True(
            oursWebCode.Resolved >= FloorResolvedWithWebCode,
            $"resolved with web code {oursWebCode.Resolved}, floor {FloorResolvedWithWebCode}"
        );
        Assert.True(
            oursFleet.Correct >= FloorCorrectHintsHidden,
            $"right pack with one fleet decision {oursFleet.Correct}, floor {FloorCorrectHintsHidden}"
        );
        Assert.Equal(0, Inconsistent(fleet));
    }

    private static string Installs(ResolutionReport report) =>
        $"{report.Workflows.Sum(w => Packs(w.Nodes).Count())} summed over workflows, "
        + $"{Packs(report.Workflows.SelectMany(w => w.Nodes)).Count()} for the fleet";

    private static IEnumerable<string> Packs(IEnumerable<NodeTypeResolution> nodes) =>
        nodes
            .Where(n => n.Pack is not null)
            .Select(n => RepoUrl.Normalize(n.Pack!.Url).ToLowerInvariant())
            .Distinct(StringComparer.Ordinal);

    private static int Inconsistent(ResolutionReport report) =>
        report.Workflows.SelectMany(w => w.Nodes).GroupBy(n => n.Type, StringComparer.Ordinal).Count(g => Packs(g).Count() > 1);

    private static IEnumerable<string> Rules(ResolutionReport report) =>
        report
            .Workflows.SelectMany(w => w.Nodes)
            .Where(n => n.Rule is not null)
            .GroupBy(n => n.Rule!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key} {g.Count()}");

    private sealed record Tally(int Total, int Unique, int Chosen, int Ambiguous, int Unresolved, int Correct)
    {
        public int Resolved => Unique + Chosen;
    }

    private static Dictionary<(string File, string Type), ResolvedPack> GroundTruth(ResolutionReport report) =>
        report
            .Workflows.SelectMany(w =>
                w.Nodes.Where(n => n.Evidence is ResolutionEvidence.CnrId or ResolutionEvidence.AuxId)
                    .Select(n => (Key: (w.FileName, n.Type), n.Pack!))
            )
            .ToDictionary(x => x.Key, x => x.Item2);

    private static Tally Count(ResolutionReport report, CoreNodes core, Dictionary<(string, string), ResolvedPack>? truth)
    {
        int total = 0,
            unique = 0,
            chosen = 0,
            unresolved = 0,
            correct = 0;
        foreach (var workflow in report.Workflows)
        {
            foreach (var node in workflow.Nodes.Where(n => !core.Contains(n.Type)))
            {
                total++;
                if (node.Status == ResolutionStatus.Unresolved)
                {
                    unresolved++;
                }
                else if (node.WasChosen)
                {
                    chosen++;
                }
                else
                {
                    unique++;
                }

                if (
                    truth is not null
                    && truth.TryGetValue((workflow.FileName, node.Type), out var right)
                    && RepoUrl.SameRepo(right.Url, node.Pack?.Url)
                )
                {
                    correct++;
                }
            }
        }

        return new Tally(total, unique, chosen, 0, unresolved, correct);
    }

    private static Tally CountBaseline(
        IReadOnlyList<WorkflowDocument> workflows,
        NodeCatalog catalog,
        CoreNodes core,
        bool useHints,
        Dictionary<(string, string), ResolvedPack>? truth
    )
    {
        int total = 0,
            unique = 0,
            ambiguous = 0,
            unresolved = 0,
            correct = 0;
        foreach (var workflow in workflows)
        {
            foreach (
                var (type, (outcome, url)) in ManagerBaseline
                    .Resolve(workflow, catalog, core, useHints)
                    .Where(r => r.Value.Outcome != ManagerBaseline.Outcome.Core)
            )
            {
                total++;
                _ = outcome switch
                {
                    ManagerBaseline.Outcome.Unique => unique++,
                    ManagerBaseline.Outcome.Ambiguous => ambiguous++,
                    _ => unresolved++,
                };
                if (truth is not null && truth.TryGetValue((workflow.FileName, type), out var right) && RepoUrl.SameRepo(right.Url, url))
                {
                    correct++;
                }
            }
        }

        return new Tally(total, unique, 0, ambiguous, unresolved, correct);
    }

    private void Row(string method, Tally t, int? hinted) =>
        output.WriteLine(
            $"| {method} | {Pct(t.Unique, t.Total)} | {Pct(t.Chosen, t.Total)} | {Pct(t.Ambiguous, t.Total)} | "
                + $"{Pct(t.Unresolved, t.Total)} | **{Pct(t.Resolved, t.Total)}** | "
                + $"{(hinted is { } h ? $"{t.Correct}/{h}" : "(hints are the truth)")} |"
        );

    private static string Pct(int part, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"{part} ({100.0 * part / Math.Max(1, total):0.0} %)");

    private static IEnumerable<string> Details(
        ResolutionReport withHints,
        ResolutionReport hidden,
        CoreNodes core,
        Dictionary<(string, string), ResolvedPack> truth
    )
    {
        yield return "";
        yield return "Chosen among several or unresolved (hints used):";
        foreach (var w in withHints.Workflows)
        {
            foreach (var n in w.Nodes.Where(n => !core.Contains(n.Type) && (n.WasChosen || n.Status == ResolutionStatus.Unresolved)))
            {
                yield return $"  {Path.GetFileName(w.FileName)} | {n.Type} | {n.Status} | {n.Pack?.Url} | {n.Rule} | {n.Reason}";
            }
        }

        yield return "";
        yield return "Hinted types resolved differently with hints hidden:";
        foreach (var w in hidden.Workflows)
        {
            foreach (
                var n in w.Nodes.Where(n => truth.TryGetValue((w.FileName, n.Type), out var t) && !RepoUrl.SameRepo(t.Url, n.Pack?.Url))
            )
            {
                var right = truth[(w.FileName, n.Type)];
                yield return $"  {Path.GetFileName(w.FileName)} | {n.Type} | "
                    + $"hint: {right.Url}{(right.InCatalog ? "" : " (not in catalog)")} | "
                    + $"hidden: {n.Pack?.Url ?? "unresolved"} | {n.Reason}";
            }
        }
    }
}
