using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// ComfyUI's own checkout (issue 19.1): HEAD of the ComfyUI folder and whether tracked files changed against it, read with
/// the same read-only git commands as the packs (<see cref="GitFactsReader"/>: no prompts, no locks, any owner). A folder
/// that is not the top of a checkout (a portable build, a copy) has no commit and no dirty state; git failing is the same
/// "unknown", never an error. The version is <see cref="ComfyUiVersionProbe"/>'s.
/// </summary>
public static class ComfyUiCheckoutProbe
{
    public static async Task<ComfyUiCheckout> ReadAsync(string comfyUiRoot, CancellationToken ct)
    {
        if (!GitFactsReader.IsCheckoutTop(comfyUiRoot))
        {
            return new ComfyUiCheckout(null, null, null);
        }

        var commit = await GitFactsReader.QueryAsync(comfyUiRoot, ct, "rev-parse", "--verify", "--quiet", "HEAD");
        if (commit is not { Length: 40 or 64 })
        {
            return new ComfyUiCheckout(null, null, null);
        }

        var status = await GitFactsReader.QueryAsync(comfyUiRoot, ct, "status", "--porcelain", "--untracked-files=no");
        return new ComfyUiCheckout(commit.ToLowerInvariant(), status is null ? null : status.Length > 0, null);
    }
}
