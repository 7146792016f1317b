'use client';

import {
  AppstoreOutlined,
  BookOutlined,
  CalendarOutlined,
  CarOutlined,
  CommentOutlined,
  EnvironmentOutlined,
  HeartOutlined,
  HomeOutlined,
  NotificationOutlined,
  ShopOutlined,
  TeamOutlined,
  ToolOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

// The host's icon set: names a manifest may use (anything else shows the generic app icon).
const icons: Record<string, ReactNode> = {
  notification: <NotificationOutlined />,
  comment: <CommentOutlined />,
  team: <TeamOutlined />,
  book: <BookOutlined />,
  heart: <HeartOutlined />,
  health: <HeartOutlined />,
  shop: <ShopOutlined />,
  home: <HomeOutlined />,
  building: <HomeOutlined />,
  car: <CarOutlined />,
  transport: <CarOutlined />,
  calendar: <CalendarOutlined />,
  tool: <ToolOutlined />,
  repair: <ToolOutlined />,
  environment: <EnvironmentOutlined />,
};

/** An app's icon: a name from the host's set, or the app's own data: image. */
export function AppIcon({ icon, size = 28 }: { icon?: string | null; size?: number }) {
  if (icon?.startsWith('data:image/')) {
    // biome-ignore lint/performance/noImgElement: a data: URI from the manifest; next/image adds nothing here.
    return <img src={icon} alt="" width={size} height={size} style={{ display: 'block' }} />;
  }
  return (
    <span style={{ fontSize: size, lineHeight: 1, color: '#1f6feb' }} aria-hidden>
      {(icon && icons[icon]) ?? <AppstoreOutlined />}
    </span>
  );
}
