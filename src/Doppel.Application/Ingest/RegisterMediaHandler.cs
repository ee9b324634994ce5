using System.Security.Cryptography;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Application.Ingest;

/// <summary>A listed file and what registering it found.</summary>
public sealed record RegisteredMedia(MediaObject Object, MediaRegistration Registration);

/// <summary>What registering found: the registered files, and every entry passed over (at listing, or unreadable
/// when hashed) with its status, in path order, for the summary and the report.</summary>
public sealed record RegisteredListing(IReadOnlyList<RegisteredMedia> Media, IReadOnlyList<ScanEntry> Skipped);

/// <summary>
/// Use case "register media": list every image under the roots of a media store and register them all in one
/// transaction (new / unchanged / moved / changed). A file is read here only when its hash decides something now:
/// a known key (unchanged or changed?) and a new key that could be a move (a record of this store, not listed, of
/// the same size, whose key no longer exists). Any other new file, and a known one whose size changed, is registered
/// unread (<see cref="ContentHash.NotRead"/>): the analysis reads it once, hashes exactly the bytes it decodes and
/// records that hash with its results, so a new image is read once per job. Hashing is streamed and parallel; a file
/// that cannot be read when hashed (removed, permissions, I/O error) is passed over with status unreadable, not fatal.
/// </summary>
public sealed class RegisterMediaHandler(IStoreSet stores, IMediaStore media)
{
    /// <summary>Records read per query when loading what the catalog knows.</summary>
    private const int PageSize = 10_000;

    public async Task<RegisteredListing> HandleAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        var skipped = new List<ScanEntry>();
        var objects = new List<MediaObject>();
        if (media is IScanningMediaStore scanning)
        {
            var listing = scanning.ListAll(roots);
            objects.AddRange(listing.Objects);
            skipped.AddRange(listing.PassedOver);
        }
        else
            foreach (var root in roots)
                await foreach (var item in media.ListAsync(root, cancellationToken).ConfigureAwait(false))
                    objects.Add(item);
        // One order for the whole listing (as the folder scan always had), so runs and reports are reproducible.
        objects.Sort((a, b) => string.CompareOrdinal(a.Key.Key, b.Key.Key));
        objects = objects.DistinctBy(o => o.Key).ToList();

        var toHash = await WhatToHashAsync(objects, cancellationToken).ConfigureAwait(false);
        var hashes = new string?[objects.Count];
        var errors = new string?[objects.Count];
        await Parallel.ForAsync(0, objects.Count, cancellationToken, async (i, token) =>
        {
            if (!toHash[i])
                return;
            try
            {
                await using var stream = await media.OpenReadAsync(objects[i].Key.Key, token).ConfigureAwait(false);
                hashes[i] = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, token).ConfigureAwait(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors[i] = e.Message;
            }
        }).ConfigureAwait(false);

        var readable = new List<MediaObject>(objects.Count);
        var readableHashes = new List<string?>(objects.Count);
        for (int i = 0; i < objects.Count; i++)
        {
            if (errors[i] is null)
            {
                readable.Add(objects[i]);
                readableHashes.Add(hashes[i]);
            }
            else
                skipped.Add(new ScanEntry(objects[i].Key.Key, objects[i].RelativePath, objects[i].Root, ScanStatus.Unreadable, $"cannot read: {errors[i]}"));
        }

        var entries = await WithMovesAsync(readable, readableHashes, cancellationToken).ConfigureAwait(false);
        var registrations = await stores.Media.RegisterAsync(entries, cancellationToken).ConfigureAwait(false);
        return new RegisteredListing(readable.Select((o, i) => new RegisteredMedia(o, registrations[i])).ToList(),
            skipped.OrderBy(e => e.FullPath, StringComparer.Ordinal).ToList());
    }

    /// <summary>Which listed files need their hash now. A known key does (is it unchanged?) unless its record is still
    /// unread and pending, or its size differs (changed for certain: the analysis hashes it). A new key does only when a record of
    /// this store that is not listed, has its size and a hash, no longer exists: the file may be that record moved.</summary>
    private async Task<bool[]> WhatToHashAsync(List<MediaObject> objects, CancellationToken cancellationToken)
    {
        var known = new Dictionary<MediaKey, MediaFile>();
        for (var page = new Page(0, PageSize); ;)
        {
            var rows = await stores.Media.ListAsync(null, page, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
                if (row.Source == media.Source)
                    known[row.Key] = row;
            if (rows.Count < PageSize)
                break;
            page = page with { AfterId = rows[^1].Id };
        }
        var listed = objects.Select(o => o.Key).ToHashSet();
        var unlistedBySize = known.Values.Where(m => !listed.Contains(m.Key) && m.ContentHash != ContentHash.NotRead).ToLookup(m => m.SizeBytes);
        var gone = new Dictionary<MediaKey, bool>();
        var toHash = new bool[objects.Count];
        for (int i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            if (known.TryGetValue(o.Key, out var record))
            {
                toHash[i] = KnownNeedsHash(record, o.SizeBytes);
                continue;
            }
            foreach (var candidate in unlistedBySize[o.SizeBytes])
            {
                if (!gone.TryGetValue(candidate.Key, out var isGone))
                    gone[candidate.Key] = isGone = await media.StatAsync(candidate.Path, cancellationToken).ConfigureAwait(false) is null;
                if (isGone)
                {
                    toHash[i] = true;
                    break;
                }
            }
        }
        return toHash;
    }

    /// <summary>Whether a file the catalog knows under its key must be hashed at registration: yes when its record was read
    /// and its size is the same (unchanged, or changed in place?); no when the size differs (changed for certain: the
    /// analysis hashes it) or the record is unread and pending (the analysis still to come reads it). An unread record
    /// that is done could not be read then: hashing it now tells whether it came back (changed) or is passed over.</summary>
    public static bool KnownNeedsHash(MediaFile record, long sizeBytes) =>
        record.ContentHash == ContentHash.NotRead ? record.State != MediaState.Pending : record.SizeBytes == sizeBytes;

    /// <summary>An unknown key whose bytes the catalog knows under a key of this store that no longer exists is a
    /// move (the record keeps its id and faces); if every such key still exists it is a copy, a file of its own.</summary>
    private async Task<List<MediaEntry>> WithMovesAsync(List<MediaObject> objects, List<string?> hashes, CancellationToken cancellationToken)
    {
        var known = (await stores.Media.FindByHashesAsync(hashes.OfType<string>().Distinct().ToList(), cancellationToken).ConfigureAwait(false))
            .ToLookup(m => m.ContentHash);
        var listed = objects.Select(o => o.Key).ToHashSet();
        var claimed = new HashSet<long>();
        var entries = new List<MediaEntry>(objects.Count);
        for (int i = 0; i < objects.Count; i++)
        {
            MediaKey? movedFrom = null;
            var sameBytes = hashes[i] is { } hash ? known[hash].ToList() : [];
            if (sameBytes.Count > 0 && !sameBytes.Any(m => m.Key == objects[i].Key))
            {
                foreach (var candidate in sameBytes)
                {
                    if (candidate.Source != media.Source || listed.Contains(candidate.Key) || claimed.Contains(candidate.Id))
                        continue;
                    if (await media.StatAsync(candidate.Path, cancellationToken).ConfigureAwait(false) is null)
                    {
                        movedFrom = candidate.Key;
                        claimed.Add(candidate.Id);
                        break;
                    }
                }
            }
            entries.Add(new MediaEntry(objects[i].Key, hashes[i], objects[i].SizeBytes, movedFrom));
        }
        return entries;
    }
}
