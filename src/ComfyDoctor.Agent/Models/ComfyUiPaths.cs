using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Models;

/// <summary>
/// The folders a ComfyUI installation uses, as its <c>folder_paths.py</c> and <c>main.py</c> set them up: the base
/// (<c>--base-directory</c>, else the installation folder) holds <c>models/</c> (unless <c>--models-directory</c>),
/// <c>custom_nodes/</c> and <c>output/</c> (unless <c>--output-directory</c>); the installation's own
/// <c>extra_model_paths.yaml</c> is read first, then each <c>--extra-model-paths-config</c>. A relative path is read
/// against ComfyUI's working folder, derived from <c>argv[0]</c> (<c>python main.py</c> runs in the installation folder);
/// where that cannot be known it is read against the installation folder, and a note says so.
/// </summary>
/// <param name="Notes">What the agent could not honour or had to assume, for the report.</param>
public sealed record ComfyUiPaths(
    string Install,
    string Base,
    string Models,
    string Output,
    IReadOnlyList<string> ExtraConfigs,
    IReadOnlyList<string> Notes
)
{
    public static ComfyUiPaths Default(string comfyUiRoot)
    {
        var root = Path.GetFullPath(comfyUiRoot);
        return new ComfyUiPaths(root, root, Path.Combine(root, "models"), Path.Combine(root, "output"), [], []);
    }

    /// <summary>The folders of the installation at <paramref name="comfyUiRoot"/> when it runs with <paramref name="arguments"/>.</summary>
    public static ComfyUiPaths Of(string comfyUiRoot, ComfyUiArguments? arguments, string? source = null)
    {
        var paths = Default(comfyUiRoot);
        if (arguments is null)
        {
            return paths;
        }

        var notes = new List<string>();
        var from = source ?? "the running ComfyUI";
        var (cwd, assumed) = WorkingFolder(paths.Install, arguments.Program);
        if (cwd is null)
        {
            return paths with
            {
                Notes =
                [
                    $"{from} runs {arguments.Program}, not this installation ({paths.Install}): "
                        + "its arguments are not applied to this scan",
                ],
            };
        }

        string Place(string option, string value)
        {
            if (!Path.IsPathRooted(value) && assumed)
            {
                notes.Add(
                    $"{option} {value}: relative, read against {cwd} "
                        + $"({from} runs {arguments.Program}; its working folder is not known)"
                );
            }

            return Path.GetFullPath(Path.Combine(cwd, value));
        }

        var basePath = arguments.BaseDirectory is { Length: > 0 } b ? Place("--base-directory", b) : paths.Base;
        return new ComfyUiPaths(
            paths.Install,
            basePath,
            arguments.ModelsDirectory is { Length: > 0 } m ? Place("--models-directory", m) : Path.Combine(basePath, "models"),
            arguments.OutputDirectory is { Length: > 0 } o ? Place("--output-directory", o) : Path.Combine(basePath, "output"),
            arguments.ExtraModelPathsConfigs.Where(c => c.Length > 0).Select(c => Place("--extra-model-paths-config", c)).ToList(),
            notes
        );
    }

    /// <summary>ComfyUI's working folder, and whether it is assumed; null when <paramref name="program"/> is another
    /// installation's main.py.</summary>
    private static (string? Folder, bool Assumed) WorkingFolder(string install, string? program)
    {
        if (string.IsNullOrEmpty(program))
        {
            return (install, true);
        }

        if (Path.IsPathRooted(program))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(program))!;
            return SameFolder(folder, install) ? (install, true) : (null, false);
        }

        // "main.py" from the installation folder, "ComfyUI/main.py" from its parent: strip what argv[0] adds.
        var relative = Path.GetDirectoryName(program) ?? "";
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        var cwd = install;
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (!string.Equals(Path.GetFileName(cwd), parts[i], StringComparison.Ordinal) || Path.GetDirectoryName(cwd) is not { } up)
            {
                return (install, true);
            }

            cwd = up;
        }

        return (cwd, false);
    }

    private static bool SameFolder(string a, string b)
    {
        static string Real(string path)
        {
            try
            {
                return new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            }
            catch (IOException)
            {
                return Path.GetFullPath(path);
            }
        }

        return string.Equals(Real(a).TrimEnd('/'), Real(b).TrimEnd('/'), StringComparison.Ordinal);
    }
}
