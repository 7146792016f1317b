'use client';

import { type MapViewState, WebMercatorViewport } from '@deck.gl/core';
import { GeoJsonLayer, PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import DeckGL from '@deck.gl/react';
import { useEffect, useMemo, useState } from 'react';

export type Position = [number, number];
export type MapFeature = {
  type: 'Feature';
  id: string;
  geometry: { type: string; coordinates: unknown };
  properties: { kind: string; name: string; refId: string | null; version: number } & Record<string, unknown>;
};

export const kindColour: Record<string, [number, number, number]> = {
  building: [59, 110, 200],
  space: [76, 165, 88],
  facility: [230, 120, 30],
  road: [110, 110, 110],
  boundary: [205, 40, 40],
};

/** Where the view goes when a community has no features yet (the sample community by the West Lake). */
export const fallbackCentre: Position = [120.1555, 30.2592];

/** Every position of a geometry, whatever its nesting. */
export function positionsOf(coords: unknown, out: Position[] = []): Position[] {
  if (Array.isArray(coords) && typeof coords[0] === 'number') out.push([coords[0], coords[1] as number]);
  else if (Array.isArray(coords)) for (const c of coords) positionsOf(c, out);
  return out;
}

/** A view that shows the given positions with a margin (or a street-level view around one point). */
export function fitView(positions: Position[], width: number, height: number): MapViewState {
  if (positions.length === 0) return { longitude: fallbackCentre[0], latitude: fallbackCentre[1], zoom: 16 };
  const lons = positions.map((p) => p[0]);
  const lats = positions.map((p) => p[1]);
  const [w, s, e, n] = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
  if (e - w < 1e-5 && n - s < 1e-5) return { longitude: w, latitude: s, zoom: 18 };
  const vp = new WebMercatorViewport({ width: Math.max(width, 100), height: Math.max(height, 100) });
  const { longitude, latitude, zoom } = vp.fitBounds(
    [
      [w, s],
      [e, n],
    ],
    { padding: Math.min(60, Math.floor(Math.min(width, height) / 6)) },
  );
  return { longitude, latitude, zoom: Math.min(zoom, 19) };
}

/** A light lon/lat grid around the view so an untiled map still reads as a map. */
function gridLines(view: MapViewState): Position[][] {
  const step = 360 / 2 ** Math.round(view.zoom) / 6;
  const span = step * 20;
  const x0 = Math.floor((view.longitude - span) / step) * step;
  const y0 = Math.floor((view.latitude - span) / step) * step;
  const lines: Position[][] = [];
  for (let i = 0; i <= 40; i++) {
    const x = x0 + i * step;
    const y = y0 + i * step;
    lines.push([
      [x, y0],
      [x, y0 + 40 * step],
    ]);
    lines.push([
      [x0, y],
      [x0 + 40 * step, y],
    ]);
  }
  return lines;
}

export type DrawMode = 'Point' | 'LineString' | 'Polygon' | null;

/**
 * The community map drawn with deck.gl and no tiles: features by kind, the selected one highlighted, and while drawing
 * the vertices placed so far. Clicks report a feature (picked) or, in draw mode, the clicked lon/lat.
 */
export function MapCanvas(props: {
  features: MapFeature[];
  selectedId: string | null;
  focus: { positions: Position[]; key: number };
  drawMode: DrawMode;
  draft: Position[];
  kindLabel: (kind: string) => string;
  onPick: (feature: MapFeature | null) => void;
  onDrawClick: (p: Position) => void;
}) {
  const { features, selectedId, focus, drawMode, draft, kindLabel, onPick, onDrawClick } = props;
  const [size, setSize] = useState({ width: 800, height: 560 });
  const [view, setView] = useState<MapViewState>(() => fitView(focus.positions, 800, 560));
  // biome-ignore lint/correctness/useExhaustiveDependencies: refit when the caller asks (a new focus key) or the map's size changes
  useEffect(() => {
    setView(fitView(focus.positions, size.width, size.height));
  }, [focus.key, size.width, size.height]);
  const grid = useMemo(() => gridLines(view), [view]);
  const layers = [
    new PathLayer<Position[]>({
      id: 'grid',
      data: grid,
      getPath: (d) => d,
      getColor: [200, 208, 220],
      widthUnits: 'pixels',
      getWidth: 1,
      updateTriggers: { getPath: view.zoom },
    }),
    new GeoJsonLayer({
      id: 'features',
      data: { type: 'FeatureCollection', features } as never,
      pickable: !drawMode,
      stroked: true,
      filled: true,
      pointType: 'circle',
      lineWidthUnits: 'pixels',
      pointRadiusUnits: 'pixels',
      getPointRadius: 7,
      getLineWidth: (f: unknown) => {
        const m = f as MapFeature;
        return m.id === selectedId ? 4 : m.properties.kind === 'road' ? 5 : 2;
      },
      getFillColor: (f: unknown) => {
        const m = f as MapFeature;
        const [r, g, b] = kindColour[m.properties.kind] ?? [0, 0, 0];
        if (m.properties.kind === 'boundary') return [r, g, b, 0];
        return [r, g, b, m.id === selectedId ? 230 : m.geometry.type === 'Point' ? 220 : 120];
      },
      getLineColor: (f: unknown) => {
        const m = f as MapFeature;
        if (m.id === selectedId) return [250, 200, 20, 255];
        return [...(kindColour[m.properties.kind] ?? [0, 0, 0]), 255] as [number, number, number, number];
      },
      updateTriggers: { getFillColor: selectedId, getLineColor: selectedId, getLineWidth: selectedId },
    }),
    new PathLayer<Position[]>({
      id: 'draft-path',
      data: draft.length > 1 ? [drawMode === 'Polygon' && draft.length > 2 ? [...draft, draft[0]] : draft] : [],
      getPath: (d) => d,
      getColor: [250, 170, 0],
      widthUnits: 'pixels',
      getWidth: 3,
    }),
    new ScatterplotLayer<Position>({
      id: 'draft-points',
      data: draft,
      getPosition: (d) => d,
      getFillColor: [250, 170, 0],
      radiusUnits: 'pixels',
      getRadius: 5,
    }),
  ];
  return (
    <div
      data-testid="map-canvas"
      data-draft={draft.length}
      style={{ position: 'relative', width: '100%', height: 560, background: '#f6f8fb', border: '1px solid #e5e8ef' }}
    >
      <DeckGL
        layers={layers}
        viewState={view}
        onViewStateChange={({ viewState }) => setView(viewState as MapViewState)}
        onResize={({ width, height }) =>
          setSize((o) => (o.width === width && o.height === height ? o : { width, height }))
        }
        controller={{ doubleClickZoom: false, dragRotate: false }}
        getCursor={({ isHovering }) => (drawMode ? 'crosshair' : isHovering ? 'pointer' : 'grab')}
        getTooltip={({ object }) => {
          const m = object as MapFeature | undefined;
          return m ? `${m.properties.name} · ${kindLabel(m.properties.kind)}` : null;
        }}
        onClick={(info) => {
          if (drawMode) {
            if (info.coordinate) onDrawClick([Number(info.coordinate[0]), Number(info.coordinate[1])]);
            return;
          }
          onPick((info.object as MapFeature | undefined) ?? null);
        }}
      />
    </div>
  );
}
