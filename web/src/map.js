// The one map: MapLibre with a style of no tile source at all, only the county's own
// GeoJSON (boundary, town areas, roads, villages) and point layers drawn as circles, which
// stay smooth with tens of thousands of points. Text is drawn with HTML markers because a
// style's text needs glyph files that an offline command vehicle would not have.
import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { emptyCollection } from './api.js';
import { TOWN_PALETTE, CLOSURE_COLOUR, NEIGHBOUR_COLOUR, COVERAGE_COLOURS, COVERAGE_TARGET } from './layers.js';

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe6ec' } }],
};

/** Sub-layers drawn for each base layer id; toggling a base layer toggles all of them. */
const BASE_DRAWING = {
  county: [
    { suffix: 'fill', type: 'fill', paint: { 'fill-color': '#fbfaf6' } },
  ],
  town_areas: [
    { suffix: 'fill', type: 'fill', paint: { 'fill-color': ['get', '_colour'], 'fill-opacity': 0.75 } },
    { suffix: 'line', type: 'line', paint: { 'line-color': '#90a4ae', 'line-width': 1, 'line-dasharray': [3, 2] } },
  ],
  roads: [
    { suffix: 'casing', type: 'line', paint: { 'line-color': '#b26a00', 'line-width': 3.2, 'line-opacity': 0.5 } },
    { suffix: 'line', type: 'line', paint: { 'line-color': '#ffca28', 'line-width': 1.8 } },
  ],
  closures: [
    { suffix: 'line', type: 'line', paint: { 'line-color': CLOSURE_COLOUR, 'line-width': 4, 'line-dasharray': [2, 1.5] } },
  ],
  cap_coverage: [
    {
      suffix: 'fill', type: 'fill',
      paint: {
        'fill-color': ['case', ['>=', ['coalesce', ['get', 'ratio'], 0], COVERAGE_TARGET], COVERAGE_COLOURS.met, COVERAGE_COLOURS.short],
        'fill-opacity': ['interpolate', ['linear'], ['coalesce', ['get', 'ratio'], 0], 0, 0.65, 1, 0.3],
      },
    },
    { suffix: 'line', type: 'line', paint: { 'line-color': '#37474f', 'line-width': 1.5 } },
  ],
  neighbour_alerts: [
    { suffix: 'fill', type: 'fill', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': NEIGHBOUR_COLOUR, 'fill-opacity': 0.15 } },
    { suffix: 'line', type: 'line', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': NEIGHBOUR_COLOUR, 'line-width': 2, 'line-dasharray': [4, 2] } },
    { suffix: 'circle', type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 8, 'circle-color': NEIGHBOUR_COLOUR, 'circle-opacity': 0.5 } },
  ],
  villages: [
    { suffix: 'dot', type: 'circle', paint: { 'circle-radius': 2, 'circle-color': '#78909c', 'circle-opacity': 0.7 } },
  ],
  county_outline: [],
};

const CLICKABLE_BASE = new Set(['closures', 'cap_coverage', 'neighbour_alerts']);

export class OneMap {
  constructor(container) {
    this.map = new maplibregl.Map({
      container,
      style: STYLE,
      center: [117.42, 40.05],
      zoom: 9,
      maxZoom: 17,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.ready = new Promise((resolve) => this.map.once('load', resolve));
    this.layerIds = {};
    this.townMarkers = [];
    this.clickHandlers = [];
  }

  async addBase(id) {
    await this.ready;
    this.map.addSource(id, { type: 'geojson', data: emptyCollection(), promoteId: 'id' });
    this.layerIds[id] = [];
    if (id === 'towns') return; // drawn as HTML labels
    for (const drawing of BASE_DRAWING[id] ?? []) {
      const layerId = `${id}-${drawing.suffix}`;
      this.map.addLayer({ id: layerId, type: drawing.type, source: id, paint: drawing.paint, ...(drawing.filter ? { filter: drawing.filter } : {}) });
      this.layerIds[id].push(layerId);
    }
    // Base layers that can be clicked for their details (a closure's reason and expiry).
    if (CLICKABLE_BASE.has(id)) this.layerIds[id].forEach((layerId) => this.#clickable(id, layerId));
    if (id === 'county') {
      // The boundary is drawn last, over everything but the points.
      this.map.addLayer({ id: 'county-line', type: 'line', source: 'county', paint: { 'line-color': '#b71c1c', 'line-width': 2.5 } });
      this.layerIds.county.push('county-line');
    }
  }

  async addPoints(layer) {
    await this.ready;
    this.map.addSource(layer.id, { type: 'geojson', data: emptyCollection(), promoteId: 'id' });
    const layerId = `${layer.id}-points`;
    this.map.addLayer({
      id: layerId,
      type: 'circle',
      source: layer.id,
      paint: {
        'circle-radius': layer.radius,
        'circle-color': layer.colour,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.2,
        'circle-opacity': 0.92,
      },
    });
    this.layerIds[layer.id] = [layerId];
    this.#clickable(layer.id, layerId);
  }

  /** Clicking a feature of the drawn layer `layerId` calls the click handlers with `id`. */
  #clickable(id, layerId) {
    this.map.on('mouseenter', layerId, () => { this.map.getCanvas().style.cursor = 'pointer'; });
    this.map.on('mouseleave', layerId, () => { this.map.getCanvas().style.cursor = ''; });
    this.map.on('click', layerId, (event) => {
      const feature = event.features && event.features[0];
      if (feature) this.clickHandlers.forEach((handler) => handler(id, feature, event.lngLat));
    });
  }

  /** A line source and layer drawn above the base layers (a dispatch route, an analysis). */
  addLine(id, paint) {
    const add = () => {
      this.map.addSource(id, { type: 'geojson', data: emptyCollection() });
      this.map.addLayer({ id: `${id}-line`, type: 'line', source: id, paint, layout: { 'line-cap': 'round', 'line-join': 'round' } });
    };
    if (this.map.loaded() || this.map.isStyleLoaded()) add();
    else this.ready.then(add);
  }

  /** Replaces what a line source shows: a Feature, a geometry, a FeatureCollection, or nothing. */
  setLine(id, shape) {
    const source = this.map.getSource(id);
    if (!source) return;
    if (!shape) source.setData(emptyCollection());
    else if (shape.type === 'Feature' || shape.type === 'FeatureCollection') source.setData(shape);
    else source.setData({ type: 'Feature', geometry: shape, properties: {} });
  }

  /** Keeps the boundary line above everything added after it, except points. */
  raiseBoundary() {
    if (this.map.getLayer('county-line')) {
      const firstPoints = Object.values(this.layerIds).flat().find((id) => id.endsWith('-points'));
      this.map.moveLayer('county-line', firstPoints);
    }
  }

  onFeatureClick(handler) {
    this.clickHandlers.push(handler);
  }

  setData(id, collection) {
    const source = this.map.getSource(id);
    if (id === 'town_areas') {
      collection.features.forEach((feature, index) => {
        feature.properties = { ...feature.properties, _colour: TOWN_PALETTE[index % TOWN_PALETTE.length] };
      });
    }
    if (source) source.setData(collection);
    if (id === 'towns') this.drawTownLabels(collection);
    if (id === 'county') this.fitTo(collection);
  }

  drawTownLabels(collection, nameOf = (p) => p.name) {
    this.townCollection = collection;
    this.townMarkers.forEach((marker) => marker.remove());
    this.townMarkers = collection.features
      .filter((f) => f.geometry && f.geometry.type === 'Point')
      .map((feature) => {
        const el = document.createElement('div');
        el.className = 'town-label';
        el.textContent = nameOf(feature.properties);
        return new maplibregl.Marker({ element: el }).setLngLat(feature.geometry.coordinates).addTo(this.map);
      });
    this.townMarkersVisible = true;
  }

  relabelTowns(nameOf) {
    if (this.townCollection) this.drawTownLabels(this.townCollection, nameOf);
  }

  setVisible(id, visible) {
    if (id === 'towns') {
      this.townMarkers.forEach((marker) => { marker.getElement().style.display = visible ? '' : 'none'; });
      return;
    }
    for (const layerId of this.layerIds[id] ?? []) {
      this.map.setLayoutProperty(layerId, 'visibility', visible ? 'visible' : 'none');
    }
  }

  fitTo(collection, options = { padding: 24 }) {
    const bounds = new maplibregl.LngLatBounds();
    const extend = (coords) => {
      if (typeof coords[0] === 'number') bounds.extend(coords);
      else coords.forEach(extend);
    };
    collection.features.forEach((f) => f.geometry && extend(f.geometry.coordinates));
    if (!bounds.isEmpty()) this.map.fitBounds(bounds, { ...options, duration: 0 });
  }

  popup(lngLat, element) {
    if (this.openPopup) this.openPopup.remove();
    this.openPopup = new maplibregl.Popup({ maxWidth: '340px' }).setLngLat(lngLat).setDOMContent(element).addTo(this.map);
  }

  marker(lngLat, className) {
    const el = document.createElement('div');
    el.className = className;
    return new maplibregl.Marker({ element: el }).setLngLat(lngLat).addTo(this.map);
  }

  /** Resolves once a frame has been drawn with features of the drawn layer `layerId` on
   *  screen (not merely its data loaded), or after `timeoutMs` whatever happened. */
  whenDrawn(layerId, timeoutMs = 10000) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.map.off('render', check);
        resolve();
      };
      const check = () => {
        if (this.map.getLayer(layerId) && this.map.queryRenderedFeatures({ layers: [layerId] }).length > 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.map.on('render', check);
    });
  }

  /** Resolves when the map has drawn everything it was given. */
  idle() {
    return new Promise((resolve) => {
      if (this.map.loaded() && !this.map.isMoving()) resolve();
      else this.map.once('idle', resolve);
    });
  }
}
