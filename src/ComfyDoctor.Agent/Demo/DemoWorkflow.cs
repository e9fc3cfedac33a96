using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Demo;

/// <summary>
/// What makes the demo fleet repairable end to end without the internet: a workflow that needs the demo node pack pinned
/// at its v1.2.0 commit (and the demo checkpoint), and the repair options of a demo agent — the pack's GitHub URL is
/// allowed and cloned from the fleet's own checkout through a git mirror rewrite.
/// </summary>
public static class DemoWorkflow
{
    public const string PackUrlPrefix = "https://github.com/comfydoctor-demo/";

    /// <summary>The workflow's JSON (ComfyUI's UI format), or null when the demo pack is no git checkout (no git installed).</summary>
    public static string? Json(DemoFleet.Fleet fleet)
    {
        var commit = PinnedCommit(fleet);
        return commit is null
            ? null
            : $$"""
                {"last_node_id": 2, "last_link_id": 0, "links": [], "version": 0.4,
                 "nodes": [
                   {"id": 1, "type": "CheckpointLoaderSimple", "properties": {"cnr_id": "comfy-core", "ver": "0.3.66"},
                    "widgets_values": ["sd15/dreamshaper_8.safetensors"]},
                   {"id": 2, "type": "DemoSharpen", "properties": {"aux_id": "comfydoctor-demo/ComfyUI-DemoPack", "ver": "{{commit}}"},
                    "widgets_values": []}
                 ]}
                """;
    }

    /// <summary>A demo agent's repair options: the demo pack's repository is allowed and cloned from <paramref name="fleet"/>'s
    /// checkout.</summary>
    public static RepairOptions RepairOptions(DemoFleet.Fleet fleet) =>
        Repairs.RepairOptions.Default with
        {
            Install = InstallPolicy.CatalogOnly([]) with
            {
                AllowedUrlPrefixes = [PackUrlPrefix],
                Mirrors =
                [
                    new GitMirror(PackUrlPrefix, new Uri(Path.Combine(fleet.Workers[0].ComfyUiRoot, "custom_nodes") + "/").AbsoluteUri),
                ],
            },
        };

    private static string? PinnedCommit(DemoFleet.Fleet fleet)
    {
        var repo = Path.Combine(fleet.Workers[0].ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack");
        var result = ProcessRunner
            .RunAsync(
                new ProcessSpec(
                    "git",
                    ["rev-parse", "v1.2.0^{commit}"],
                    repo,
                    new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" },
                    TimeSpan.FromSeconds(30)
                ),
                CancellationToken.None
            )
            .GetAwaiter()
            .GetResult();
        return result.Succeeded ? result.StdOut.Trim() : null;
    }
}
