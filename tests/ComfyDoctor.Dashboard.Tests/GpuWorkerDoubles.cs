namespace ComfyDoctor.Dashboard.Tests;

/// <summary>
/// Test doubles for what this machine cannot run (no GPU, no PyTorch): a Python that is the real python3 with a stub
/// <c>torch</c> package on its path (version, CUDA build, CUDA available), and an <c>nvidia-smi</c> printing the real
/// tool's CSV and banner for one GPU. With them a demo worker's runtime light can be green, as on a real GPU worker.
/// </summary>
internal static class GpuWorkerDoubles
{
    public static string Python(string folder)
    {
        var stub = Path.Combine(folder, "doubles", "site", "torch");
        Directory.CreateDirectory(stub);
        File.WriteAllText(
            Path.Combine(stub, "__init__.py"),
            "__version__ = '2.4.1+cu124'\n\nclass version:\n    cuda = '12.4'\n\nclass cuda:\n    @staticmethod\n    def "
                + "is_available():\n        return True\n"
        );
        return Script(folder, "python", $"#!/bin/sh\nPYTHONPATH='{Path.GetDirectoryName(stub)}' exec python3 \"$@\"\n");
    }

    public static string NvidiaSmi(string folder) =>
        Script(
            folder,
            "nvidia-smi",
            "#!/bin/sh\ncase \"$1\" in --query-gpu=*) echo 'NVIDIA H100 80GB HBM3, 550.54.15, 81559'; exit 0;; esac\n"
                + "echo '| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |'\n"
        );

    private static string Script(string folder, string name, string text)
    {
        var path = Path.Combine(folder, "doubles", "bin", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
