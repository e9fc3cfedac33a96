using System.Text.Json;

namespace ComfyDoctor.Core.Workflows;

/// <summary>
/// Reads a ComfyUI workflow in either shape (<see cref="WorkflowShape"/>) into what it needs from a worker. Unknown
/// fields are ignored; a file that is not JSON, is cut short, has the wrong shape or is larger than
/// <see cref="WorkflowReadOptions.MaxBytes"/> raises a <see cref="WorkflowFormatException"/> that names the file.
/// </summary>
public static class WorkflowReader
{
    public static WorkflowDocument ReadFile(string path, WorkflowReadOptions? options = null)
    {
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkflowFormatException($"{path}: cannot read the workflow: {e.Message}", e);
        }

        using (stream)
        {
            return Read(path, stream, options);
        }
    }

    public static WorkflowDocument Read(string fileName, Stream json, WorkflowReadOptions? options = null)
    {
        options ??= WorkflowReadOptions.Default;
        using var document = Parse(fileName, json, options);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new WorkflowFormatException(
                $"{fileName}: the workflow is {JsonValues.Describe(root.ValueKind)}; expected an object (a UI workflow with "
                    + $"'nodes', or an API prompt of {{id: {{class_type, inputs}}}})"
            );
        }

        var builder = new WorkflowBuilder(fileName);
        if (root.TryGetProperty("nodes", out _))
        {
            UiWorkflowParser.Parse(root, builder);
            return builder.Build(WorkflowShape.Ui);
        }

        if (ApiWorkflowParser.Looks(root))
        {
            ApiWorkflowParser.Parse(root, builder);
            return builder.Build(WorkflowShape.Api);
        }

        throw new WorkflowFormatException(
            $"{fileName}: not a ComfyUI workflow: the object has neither 'nodes' (UI workflow) nor entries with a 'class_type' (API prompt)"
        );
    }

    private static JsonDocument Parse(string fileName, Stream json, WorkflowReadOptions options)
    {
        var documentOptions = new JsonDocumentOptions { MaxDepth = options.MaxDepth };
        try
        {
            if (json.CanSeek)
            {
                var remaining = json.Length - json.Position;
                if (remaining > options.MaxBytes)
                {
                    throw TooLarge(fileName, $"{remaining:N0} bytes", options);
                }

                return JsonDocument.Parse(json, documentOptions);
            }

            // Not seekable: copy at most MaxBytes + 1 bytes, so an endless or huge stream is refused without being held.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = json.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > options.MaxBytes)
                {
                    throw TooLarge(fileName, $"more than {options.MaxBytes:N0} bytes", options);
                }

                buffer.Write(chunk, 0, read);
            }

            return JsonDocument.Parse(buffer.ToArray(), documentOptions);
        }
        catch (JsonException e)
        {
            throw new WorkflowFormatException($"{fileName}: not valid JSON{JsonErrorText.Describe(e)}", e);
        }
        catch (IOException e)
        {
            throw new WorkflowFormatException($"{fileName}: cannot read the workflow: {e.Message}", e);
        }
    }

    private static WorkflowFormatException TooLarge(string fileName, string size, WorkflowReadOptions options) =>
        new($"{fileName}: the file is {size}; workflows over {options.MaxBytes:N0} bytes are refused");
}
