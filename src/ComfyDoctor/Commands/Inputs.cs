using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Cli.Commands;

/// <summary>Reads the files users hand to commands, with errors that name the file.</summary>
public static class Inputs
{
    public static ModelRegistry ReadRegistry(string path) =>
        File.Exists(path) ? RegistryFileReader.ReadFile(path) : throw new UsageException($"registry file not found: {path}");
}
