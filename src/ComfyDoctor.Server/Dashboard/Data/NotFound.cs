namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>A page about something that does not exist still renders (with a way back) but answers 404.</summary>
public static class NotFound
{
    public static void IfNull(HttpContext? context, object? found)
    {
        if (found is null && context is { Response.HasStarted: false })
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}
