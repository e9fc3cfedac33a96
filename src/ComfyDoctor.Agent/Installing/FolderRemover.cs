namespace ComfyDoctor.Agent.Installing;

/// <summary>Deletes a folder tree, including read-only files (git's object files), never following symlinks out of it.</summary>
internal static class FolderRemover
{
    /// <summary>Removes <paramref name="path"/> when it exists; returns a message when it could not, else null.</summary>
    public static string? TryRemove(string path)
    {
        if (!Directory.Exists(path))
        {
            return null;
        }

        try
        {
            Directory.Delete(path, recursive: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                foreach (
                    var file in Directory.EnumerateFiles(
                        path,
                        "*",
                        new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }
                    )
                )
                {
                    File.SetAttributes(file, FileAttributes.Normal);
                }

                Directory.Delete(path, recursive: true);
                return null;
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                return $"could not remove {path}: {again.Message}";
            }
        }
    }
}
