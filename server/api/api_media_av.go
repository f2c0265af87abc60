package api

import (
	"context"
	"strings"

	"kith/media"
	"kith/store"
)

// addAVMeta fills a local video or audio attachment's meta as Mastodon
// does, from what the file's container says: "original" holds the
// frame rate ("30/1"), duration and bitrate, and the top level repeats
// the length, duration and audio details. A video without an audio
// track is "gifv", as Mastodon types one; audio has no preview.
func (s *API) addAVMeta(out *apiMediaAttachment, a store.Attachment) {
	name, ok := strings.CutPrefix(a.URL, s.Config().Server.URL+"/media/")
	if !ok {
		return
	}
	info, fresh, err := s.AV.Info(context.Background(), s.MediaFiles(), name)
	if err != nil {
		if fresh {
			s.Logger.Warn("media file unreadable", "file", name, "err", err)
		}
		return
	}
	original := map[string]any{"duration": info.Duration, "bitrate": info.Bitrate}
	out.Meta["original"] = original
	out.Meta["length"] = media.FormatLength(info.Duration)
	out.Meta["duration"] = info.Duration
	if info.AudioCodec != "" {
		out.Meta["audio_encode"] = info.AudioCodec
		if info.SampleRate > 0 {
			out.Meta["audio_bitrate"] = itoa(info.SampleRate) + " Hz" // Note: Mastodon puts the sample rate here.
		}
		switch info.Channels {
		case 1:
			out.Meta["audio_channels"] = "mono"
		case 2:
			out.Meta["audio_channels"] = "stereo"
		}
	}
	if !info.Video {
		out.Type, out.PreviewURL = "audio", nil
		delete(out.Meta, "small")
		return
	}
	if info.AudioCodec == "" {
		out.Type = "gifv"
	}
	original["width"], original["height"] = info.Width, info.Height
	if r := info.FrameRate(); r != "" {
		original["frame_rate"] = r
		out.Meta["fps"] = int(info.FPS() + 0.5)
	}
	out.Meta["width"], out.Meta["height"] = info.Width, info.Height
	out.Meta["size"] = itoa(info.Width) + "x" + itoa(info.Height)
	out.Meta["aspect"] = float64(info.Width) / float64(info.Height)
	if _, ok := s.LocalPreview(a.URL); !ok {
		out.PreviewURL = nil
		delete(out.Meta, "small")
	}
}
