using ComfyDoctor.Core.Inventory;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// NumPy <c>.npy</c> arrays, alone or as members of an <c>.npz</c> (<see cref="ZipPickles"/>). An array of plain numbers
/// is raw bytes after its header, which must be as long as the shape says. An array that holds Python objects is a
/// pickle after its header, which <c>np.load(allow_pickle=True)</c> runs with an unrestricted unpickler: it is walked like
/// any pickle, its globals judged by the same allowlist plus numpy's own array globals (an object array needs them).
/// </summary>
internal static class NpyArrays
{
    public const string Format = "npy";

    public static FormatCheck Check(FileStream file, CancellationToken ct)
    {
        var imports = new PickleImportSet();
        using var buffered = new BufferedStream(file, 1 << 16);
        var problem = Walk(buffered, file.Length, imports, new ScanBudget(PickleFileChecker.MaxZipPickleBytes), 0, ct);
        return PickleVerdict.Judge(Format, imports, null, problem);
    }

    /// <summary>Walks one array of <paramref name="length"/> bytes from the start of <paramref name="array"/>; returns what is wrong, or
    /// null.</summary>
    public static MalformedPickleException? Walk(
        Stream array,
        long length,
        PickleImportSet imports,
        ScanBudget budget,
        int depth,
        CancellationToken ct
    )
    {
        var (header, problem) = NpyHeader.Read(array);
        if (header is null)
        {
            return new MalformedPickleException(
                problem!.StartsWith("truncated", StringComparison.Ordinal) ? PickleFailure.Truncated : PickleFailure.Damaged,
                problem
            );
        }

        if (!header.HoldsObjects)
        {
            var expected = header.DataStart + header.DataLength;
            return expected is { } needed && needed != length
                ? new MalformedPickleException(
                    needed > length ? PickleFailure.Truncated : PickleFailure.Damaged,
                    Invariant(
                        $"{(needed > length ? "truncated: " : "")}the array's shape needs {needed:N0} bytes, the file holds {length:N0}"
                    )
                )
                : null;
        }

        var reader = new PickleReader(array, budget.Left);
        imports.InNpy = true;
        try
        {
            new PickleScanner(reader, imports, depth, ct).ScanOne();
            return null;
        }
        catch (MalformedPickleException e)
        {
            return new MalformedPickleException(e.Failure, $"the object array's pickle: {e.Message}");
        }
        finally
        {
            imports.InNpy = false;
            budget.Spend(reader.BytesRead);
        }
    }
}
