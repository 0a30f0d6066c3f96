using Microsoft.AspNetCore.Http.Features;

namespace Headless.Transport;

/// <summary>Reads a request body whole, refusing it past a size limit whatever the Content-Length header claims.</summary>
public static class RequestBody
{
    /// <summary>The body's bytes, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpContext context, int maxBytes)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
